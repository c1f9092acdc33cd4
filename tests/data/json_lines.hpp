#pragma once
// JSONL text as parsed lines, for the tests that compare instill's JSONL output with an
// oracle's.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace instill::testing {

inline std::vector<nlohmann::json> read_jsonl(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace instill::testing
