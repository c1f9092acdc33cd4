#pragma once
// Template errors: syntax errors point at line and column with a caret excerpt; runtime
// errors (including raise_exception) name the template line they happened on.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace instill::jinja {

class TemplateSyntaxError : public Error {
 public:
  using Error::Error;
};

class TemplateRuntimeError : public Error {
 public:
  using Error::Error;
};

// Builds "<name>:<line>:<col>: syntax error: <message>\n  <source line>\n  <caret>".
[[noreturn]] void throw_syntax_error(std::string_view source, const std::string& name, int line,
                                     int column, const std::string& message);

}  // namespace instill::jinja
