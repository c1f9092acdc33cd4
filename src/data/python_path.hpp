#pragma once
// The few pathlib.PurePosixPath behaviours the data preparation's file names depend on:
// str() normalisation (no "." components, no duplicate or trailing slashes), name, stem,
// suffix, parent.
#include <string>

namespace instill::data {

std::string python_path_str(const std::string& path);
std::string python_path_join(const std::string& parent, const std::string& name);
std::string python_path_parent(const std::string& path);
std::string python_path_name(const std::string& path);
std::string python_path_stem(const std::string& path);    // name without its last suffix
std::string python_path_suffix(const std::string& path);  // last ".xyz" of the name, or ""

}  // namespace instill::data
