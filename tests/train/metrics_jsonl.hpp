#pragma once
// What a training run leaves, for the end-to-end tests: the events of one tag ("train",
// "test") in an experiment's metrics.jsonl, and its checkpoint folders by step.
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

// The checkpoint folder of `step` under `dir` (empty when there is none).
inline fs::path checkpoint_at(const fs::path& dir, int step) {
  if (!fs::is_directory(dir)) return {};
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find("-seen_steps_" + std::to_string(step) + "-") !=
        std::string::npos)
      return e.path();
  return {};
}

}  // namespace instill::testing
