#pragma once
// Reads the events of one tag ("train", "test") from an experiment's metrics.jsonl.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace instill::testing {

inline std::vector<nlohmann::json> metrics(const fs::path& file, const std::string& tag) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(file));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["tag"] == tag) out.push_back(j);
  }
  return out;
}

}  // namespace instill::testing
