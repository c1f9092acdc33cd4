#include "jinja/errors.hpp"

#include <algorithm>

namespace instill::jinja {

void throw_syntax_error(std::string_view source, const std::string& name, int line, int column,
                        const std::string& message) {
  std::string text = name + ":" + std::to_string(line) + ":" + std::to_string(column) +
                     ": syntax error: " + message;
  // The excerpt: the offending source line, then a caret under the column.
  size_t start = 0;
  for (int l = 1; l < line && start < source.size(); ++l) {
    const size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) {
      start = source.size();
      break;
    }
    start = nl + 1;
  }
  size_t end = source.find('\n', start);
  if (end == std::string_view::npos) end = source.size();
  // Long lines are cut to a window around the column so the caret stays readable.
  size_t caret = static_cast<size_t>(column > 1 ? column - 1 : 0);
  std::string prefix = "  ";
  if (caret > 60) {
    start += caret - 40;
    caret = 40 + 3;
    prefix += "...";
  }
  const bool cut = end - start > 100;
  text += "\n" + prefix;
  text.append(source.substr(start, std::min<size_t>(end - start, 100)));
  if (cut) text += "...";
  text += "\n  ";
  text.append(caret, ' ');
  text += '^';
  throw TemplateSyntaxError(text);
}

}  // namespace instill::jinja
