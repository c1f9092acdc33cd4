#pragma once
// Recursive-descent parser from tokens to the statement tree, following Jinja2's grammar
// and operator precedence.
#include <string>
#include <string_view>

#include "jinja/ast.hpp"

namespace instill::jinja {

// `source` must already be normalised (normalize_template_source). Throws TemplateSyntaxError.
Body parse_template(std::string_view source, const std::string& template_name);

}  // namespace instill::jinja
