#pragma once
// A loaded YAML config: the value tree plus where each key path came from, so errors can
// name "file:line: key.path".
#include <filesystem>
#include <string>
#include <unordered_map>

#include "core/value.hpp"

namespace instill::config {

struct ConfigDocument {
  Value root;
  std::string source;                          // file name (or "<string>")
  std::unordered_map<std::string, int> lines;  // key path -> 1-based line

  // "file:line: " for a key path (or its closest known ancestor), or "file: ".
  std::string where(const std::string& key_path) const;
};

// Joins key paths the way errors print them: "a.b", "a.b[3]".
std::string join_key(const std::string& parent, const std::string& key);
std::string join_index(const std::string& parent, size_t index);

}  // namespace instill::config
