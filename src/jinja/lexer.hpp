#pragma once
// Splits a template into data text and tag tokens, applying transformers' whitespace
// settings (trim_blocks, lstrip_blocks, keep_trailing_newline=False) and `-`/`+` markers,
// exactly where Jinja2's lexer applies them.
#include <string>
#include <string_view>
#include <vector>

namespace instill::jinja {

enum class TokenType {
  kData,        // literal output text (value)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // value holds the unescaped text
  kInt,     // value holds the digits (underscores removed)
  kFloat,
  kOperator,  // value holds the operator text
  kEnd,
};

struct Token {
  TokenType type;
  std::string value;
  int line = 1;
  int column = 1;
};

// Throws TemplateSyntaxError (see errors.hpp) for unterminated tags, strings, bad brackets.
std::vector<Token> tokenize(std::string_view source, const std::string& template_name);

// Jinja2 normalises every newline (\r\n, \r, \n) to \n and drops one trailing newline.
std::string normalize_template_source(std::string_view source);

}  // namespace instill::jinja
