#pragma once
// PyYAML's yaml.dump(data, allow_unicode=True) with its defaults (block style, keys
// sorted, indent 2, width 80), byte for byte: the same scalar style choice (plain,
// single- or double-quoted, from PyYAML's scalar analysis and implicit-type check), the
// same line folding, the same float and null spelling. Modalities writes the resolved
// pbin configs of a data preparation this way.
#include <string>

#include "core/value.hpp"

namespace instill {

std::string pyyaml_dump(const Value& value);

}  // namespace instill
