#include "data/python_path.hpp"

#include <vector>

namespace instill::data {

std::string python_path_str(const std::string& path) {
  if (path.empty()) return ".";
  const bool absolute = path[0] == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (!part.empty() && part != ".") parts.push_back(part);
    i = j + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? "/" : "") + parts[k];
  return out.empty() ? "." : out;
}

std::string python_path_join(const std::string& parent, const std::string& name) {
  const std::string p = python_path_str(parent);
  if (!name.empty() && name[0] == '/') return python_path_str(name);
  if (p == ".") return python_path_str(name);
  return python_path_str(p + "/" + name);
}

std::string python_path_parent(const std::string& path) {
  const std::string p = python_path_str(path);
  const size_t cut = p.rfind('/');
  if (cut == std::string::npos) return ".";
  if (cut == 0) return "/";
  return p.substr(0, cut);
}

std::string python_path_name(const std::string& path) {
  const std::string p = python_path_str(path);
  if (p == "." || p == "/") return "";
  const size_t cut = p.rfind('/');
  return cut == std::string::npos ? p : p.substr(cut + 1);
}

std::string python_path_suffix(const std::string& path) {
  const std::string name = python_path_name(path);
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) return "";
  return name.substr(dot);
}

std::string python_path_stem(const std::string& path) {
  const std::string name = python_path_name(path);
  const std::string suffix = python_path_suffix(path);
  return name.substr(0, name.size() - suffix.size());
}

}  // namespace instill::data
