#include "config/config_document.hpp"

namespace instill::config {

std::string ConfigDocument::where(const std::string& key_path) const {
  std::string path = key_path;
  while (true) {
    auto it = lines.find(path);
    if (it != lines.end()) return source + ":" + std::to_string(it->second) + ": ";
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) break;
    path.resize(cut);
  }
  return source + ": ";
}

std::string join_key(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string join_index(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace instill::config
