#include "jinja/lexer.hpp"

#include <cstdlib>

#include "core/utf8.hpp"
#include "jinja/errors.hpp"

namespace instill::jinja {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
 public:
  Lexer(std::string_view src, const std::string& name) : s_(src), name_(name) {}

  std::vector<Token> run() {
    while (pos_ < s_.size()) {
      const size_t tag = find_tag(pos_);
      if (tag == std::string_view::npos) {
        emit_data(std::string(s_.substr(pos_)), pos_);
        advance_to(s_.size());
        break;
      }
      const char kind = s_[tag + 1];
      const char sign = tag + 2 < s_.size() ? s_[tag + 2] : '\0';
      std::string text(s_.substr(pos_, tag - pos_));
      if (sign == '-') {
        text = rstrip(text);
      } else if (sign != '+' && kind != '{') {
        lstrip_line(text);
      }
      emit_data(std::move(text), pos_);
      advance_to(tag);
      const size_t body = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (kind == '#') {
        lex_comment(tag, body);
      } else if (kind == '%' && is_raw_begin(body)) {
        lex_raw(body);
      } else {
        lex_tag(kind, body);
      }
    }
    tokens_.push_back({TokenType::kEnd, "", line_, col_});
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& msg, int line, int col) {
    throw_syntax_error(s_, name_, line, col, msg);
  }

  size_t find_tag(size_t from) const {
    for (size_t i = s_.find('{', from); i != std::string_view::npos; i = s_.find('{', i + 1)) {
      if (i + 1 < s_.size() && (s_[i + 1] == '{' || s_[i + 1] == '%' || s_[i + 1] == '#')) return i;
    }
    return std::string_view::npos;
  }

  // Moves the position forward, keeping line/column up to date.
  void advance_to(size_t to) {
    for (; pos_ < to; ++pos_) {
      if (s_[pos_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
  }

  static std::string rstrip(const std::string& t) {
    size_t end = t.size();
    while (end > 0 && is_space(t[end - 1])) --end;
    return t.substr(0, end);
  }

  // lstrip_blocks: spaces before a block/comment tag on its own line are dropped.
  void lstrip_line(std::string& text) const {
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting_) return;
    if (l_pos == text.size()) return;
    for (size_t i = l_pos; i < text.size(); ++i)
      if (!is_space(text[i])) return;
    text.resize(l_pos);
  }

  void emit_data(std::string text, size_t at) {
    if (!text.empty()) tokens_.push_back({TokenType::kData, std::move(text), line_, col_});
    (void)at;
  }

  // After a tag: how the closing marker treats what follows. `-` eats all whitespace,
  // trim_blocks eats one newline (block and comment tags only), `+` keeps it.
  void finish_tag(size_t close_start, size_t close_len, bool trim_newline) {
    const char before = close_start > 0 ? s_[close_start - 1] : '\0';
    size_t end = close_start + close_len;
    if (before == '-') {
      while (end < s_.size() && is_space(s_[end])) ++end;
    } else if (before != '+' && trim_newline && end < s_.size() && s_[end] == '\n') {
      ++end;
    }
    line_starting_ = end > 0 && s_[end - 1] == '\n';
    advance_to(end);
  }

  void lex_comment(size_t tag, size_t body) {
    const size_t close = s_.find("#}", body);
    if (close == std::string_view::npos) fail("missing end of comment tag", line_, col_);
    (void)tag;
    finish_tag(close, 2, true);
  }

  bool is_raw_begin(size_t body) const {
    size_t i = body;
    while (i < s_.size() && is_space(s_[i])) ++i;
    if (s_.substr(i, 3) != "raw") return false;
    i += 3;
    while (i < s_.size() && is_space(s_[i])) ++i;
    return s_.substr(i, 2) == "%}" || s_.substr(i, 3) == "-%}";
  }

  void lex_raw(size_t body) {
    const int line = line_, col = col_;
    size_t i = s_.find("%}", body);
    size_t content = i + 2;
    if (s_[i - 1] == '-')
      while (content < s_.size() && is_space(s_[content])) ++content;
    line_starting_ = false;
    // Find {% endraw %} (with optional -/+ markers and spaces).
    size_t search = content;
    while (true) {
      const size_t open = s_.find("{%", search);
      if (open == std::string_view::npos) fail("missing end of raw directive", line, col);
      size_t j = open + 2;
      const char sign = j < s_.size() ? s_[j] : '\0';
      if (sign == '-' || sign == '+') ++j;
      while (j < s_.size() && is_space(s_[j])) ++j;
      if (s_.substr(j, 6) != "endraw") {
        search = open + 2;
        continue;
      }
      j += 6;
      while (j < s_.size() && is_space(s_[j])) ++j;
      size_t close_len = 0;
      if (s_.substr(j, 2) == "%}") {
        close_len = 2;
      } else if (s_.substr(j, 3) == "-%}" || s_.substr(j, 3) == "+%}") {
        ++j;
        close_len = 2;
      } else {
        search = open + 2;
        continue;
      }
      std::string text(s_.substr(content, open - content));
      if (sign == '-')
        text = rstrip(text);
      else if (sign != '+')
        lstrip_line(text);
      advance_to(content);
      emit_data(std::move(text), content);
      advance_to(j);
      finish_tag(j, close_len, true);
      return;
    }
  }

  void lex_tag(char kind, size_t body) {
    const bool is_var = kind == '{';
    tokens_.push_back({is_var ? TokenType::kVarBegin : TokenType::kBlockBegin, "", line_, col_});
    advance_to(body);
    std::vector<char> brackets;
    while (true) {
      if (pos_ >= s_.size())
        fail(is_var ? "unexpected end of template, expected '}}'"
                    : "unexpected end of template, expected '%}'",
             line_, col_);
      // The closing marker, only outside brackets.
      if (brackets.empty()) {
        const std::string_view close = is_var ? "}}" : "%}";
        size_t at = pos_;
        if ((s_[at] == '-' || (!is_var && s_[at] == '+')) && s_.substr(at + 1, 2) == close) ++at;
        if (s_.substr(at, 2) == close) {
          tokens_.push_back({is_var ? TokenType::kVarEnd : TokenType::kBlockEnd, "", line_, col_});
          advance_to(at);
          finish_tag(at, 2, !is_var);
          return;
        }
      }
      const char c = s_[pos_];
      if (is_space(c)) {
        advance_to(pos_ + 1);
        continue;
      }
      const int line = line_, col = col_;
      if (is_digit(c)) {
        lex_number(line, col);
      } else if (is_name_start(c)) {
        size_t e = pos_;
        while (e < s_.size() && is_name_char(s_[e])) ++e;
        tokens_.push_back({TokenType::kName, std::string(s_.substr(pos_, e - pos_)), line, col});
        advance_to(e);
      } else if (c == '\'' || c == '"') {
        lex_string(line, col);
      } else {
        static const char* const kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
        std::string op;
        for (const char* t : kTwo)
          if (s_.substr(pos_, 2) == t) op = t;
        if (op.empty()) {
          if (std::string_view("+-/*%~[](){}<>=.:|,;").find(c) == std::string_view::npos)
            fail(std::string("unexpected char '") + c + "'", line, col);
          op = std::string(1, c);
        }
        if (op == "(" || op == "[" || op == "{") brackets.push_back(op[0]);
        if (op == ")" || op == "]" || op == "}") {
          const char want = op == ")" ? '(' : op == "]" ? '[' : '{';
          if (brackets.empty() || brackets.back() != want)
            fail("unexpected '" + op + "'", line, col);
          brackets.pop_back();
        }
        tokens_.push_back({TokenType::kOperator, op, line, col});
        advance_to(pos_ + op.size());
      }
    }
  }

  // Digits with optional '_' separators.
  size_t scan_digits(size_t i) const {
    if (i >= s_.size() || !is_digit(s_[i])) return i;
    while (i < s_.size() &&
           (is_digit(s_[i]) || (s_[i] == '_' && i + 1 < s_.size() && is_digit(s_[i + 1]))))
      ++i;
    return i;
  }

  void lex_number(int line, int col) {
    size_t e = scan_digits(pos_);
    bool is_float = false;
    if (e + 1 < s_.size() && s_[e] == '.' && is_digit(s_[e + 1])) {
      is_float = true;
      e = scan_digits(e + 1);
    }
    if (e < s_.size() && (s_[e] == 'e' || s_[e] == 'E')) {
      size_t k = e + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && is_digit(s_[k])) {
        is_float = true;
        e = scan_digits(k);
      }
    }
    std::string text;
    for (char ch : s_.substr(pos_, e - pos_))
      if (ch != '_') text += ch;
    tokens_.push_back({is_float ? TokenType::kFloat : TokenType::kInt, text, line, col});
    advance_to(e);
  }

  // Python "unicode-escape" decoding of the literal's body, as Jinja2 does.
  void lex_string(int line, int col) {
    const char quote = s_[pos_];
    size_t i = pos_ + 1;
    std::string out;
    while (true) {
      if (i >= s_.size()) fail("unexpected end of string", line, col);
      const char c = s_[i];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= s_.size()) fail("unexpected end of string", line, col);
      const char e = s_[i + 1];
      i += 2;
      auto hex = [&](int n) -> long {
        if (i + static_cast<size_t>(n) > s_.size()) return -1;
        std::string h(s_.substr(i, static_cast<size_t>(n)));
        for (char d : h)
          if (!std::isxdigit(static_cast<unsigned char>(d))) return -1;
        i += static_cast<size_t>(n);
        return std::strtol(h.c_str(), nullptr, 16);
      };
      switch (e) {
        case '\n':
          break;  // line continuation
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
        case 'u':
        case 'U': {
          const long v = hex(e == 'x' ? 2 : e == 'u' ? 4 : 8);
          if (v < 0 || v > 0x10FFFF) fail("invalid escape in string literal", line, col);
          append_utf8(out, static_cast<uint32_t>(v));
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i < s_.size() && s_[i] >= '0' && s_[i] <= '7'; ++k, ++i)
              v = v * 8 + static_cast<uint32_t>(s_[i] - '0');
            append_utf8(out, v);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    tokens_.push_back({TokenType::kString, std::move(out), line, col});
    advance_to(i + 1);
  }

  std::string_view s_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::string normalize_template_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<Token> tokenize(std::string_view source, const std::string& template_name) {
  return Lexer(source, template_name).run();
}

}  // namespace instill::jinja
