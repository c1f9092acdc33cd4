#pragma once
// YAML loading in the dialect Modalities' configs are written for (OmegaConf on PyYAML):
// YAML 1.1 booleans (yes/no/on/off/true/false in three casings), OmegaConf's float rule
// ("1e-5" is a float, not a string), YAML 1.1 ints (underscores, 0x, 0o/0 octal, 0b),
// duplicate keys rejected, quoted scalars and block scalars always strings, kept exactly.
#include <filesystem>
#include <string>
#include <string_view>

#include "config/config_document.hpp"

namespace instill::config {

ConfigDocument load_yaml_file(const std::filesystem::path& path);
ConfigDocument load_yaml_string(std::string_view text, const std::string& source = "<string>");

// Type resolution of one plain (unquoted) scalar, as OmegaConf/PyYAML do it.
Value resolve_plain_scalar(const std::string& text);

}  // namespace instill::config
