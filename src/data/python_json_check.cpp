#include "data/python_json_check.hpp"

#include <cctype>
#include <cstdint>

namespace instill::data {

namespace {

constexpr int kMaxDepth = 900;  // Python's default recursion limit stops a little above this

// Strict UTF-8 except that encoded surrogates (ED A0..BF xx) pass, like 'surrogatepass'.
std::optional<std::string> check_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return "invalid UTF-8 byte 0x" + std::string(1, "0123456789abcdef"[c >> 4]) +
             "0123456789abcdef"[c & 15] + " at column " + std::to_string(i + 1);
    }
    if (i + len > n) return "truncated UTF-8 sequence at column " + std::to_string(i + 1);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80)
        return "invalid UTF-8 continuation byte at column " + std::to_string(i + k + 1);
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return "overlong or out-of-range UTF-8 sequence at column " + std::to_string(i + 1);
    i += len;
  }
  return std::nullopt;
}

class Checker {
 public:
  explicit Checker(std::string_view s) : s_(s) {}

  std::optional<std::string> run() {
    skip_ws();
    if (!value(0)) return error_;
    skip_ws();
    if (pos_ != s_.size()) {
      fail("extra data after the JSON value");
      return error_;
    }
    return std::nullopt;
  }

 private:
  bool fail(const std::string& msg) {
    if (error_.empty()) error_ = "invalid JSON at column " + std::to_string(pos_ + 1) + ": " + msg;
    return false;
  }
  bool eof() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  void skip_ws() {
    while (!eof() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool value(int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (eof()) return fail("expected a value, found the end of the line");
    switch (peek()) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 'n':
        return literal("null") || fail("expected a value");
      case 't':
        return literal("true") || fail("expected a value");
      case 'f':
        return literal("false") || fail("expected a value");
      case 'N':
        return literal("NaN") || fail("expected a value");
      case 'I':
        return literal("Infinity") || fail("expected a value");
      default:
        if (peek() == '-' && s_.substr(pos_, 9) == "-Infinity") {
          pos_ += 9;
          return true;
        }
        return number();
    }
  }

  bool number() {
    size_t start = pos_;
    if (!eof() && peek() == '-') ++pos_;
    if (eof() || !is_digit(peek())) {
      pos_ = start;
      return fail("expected a value");
    }
    if (peek() == '0') {
      ++pos_;
    } else {
      while (!eof() && is_digit(peek())) ++pos_;
    }
    // Python's number pattern: fraction and exponent only count when complete; an
    // incomplete one leaves the rest as "extra data".
    if (pos_ + 1 < s_.size() && peek() == '.' && is_digit(s_[pos_ + 1])) {
      ++pos_;
      while (!eof() && is_digit(peek())) ++pos_;
    }
    if (!eof() && (peek() == 'e' || peek() == 'E')) {
      size_t save = pos_++;
      if (!eof() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!eof() && is_digit(peek())) {
        while (!eof() && is_digit(peek())) ++pos_;
      } else {
        pos_ = save;
      }
    }
    return true;
  }

  bool string() {
    ++pos_;  // opening quote
    while (true) {
      if (eof()) return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail("control character in a string");
      if (c == '\\') {
        ++pos_;
        if (eof()) return fail("unterminated string");
        char e = peek();
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            if (pos_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_ + k])))
              return fail("invalid \\uXXXX escape");
          }
          pos_ += 5;
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
            e != 't')
          return fail("invalid escape");
        ++pos_;
        continue;
      }
      ++pos_;
    }
  }

  bool array(int depth) {
    ++pos_;
    skip_ws();
    if (!eof() && peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_ws();
      if (!value(depth + 1)) return false;
      skip_ws();
      if (eof()) return fail("unterminated array");
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      if (peek() != ',') return fail("expected ',' or ']'");
      ++pos_;
    }
  }

  bool object(int depth) {
    ++pos_;
    skip_ws();
    if (!eof() && peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_ws();
      if (eof() || peek() != '"') return fail("expected a property name in double quotes");
      if (!string()) return false;
      skip_ws();
      if (eof() || peek() != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      if (!value(depth + 1)) return false;
      skip_ws();
      if (eof()) return fail("unterminated object");
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      if (peek() != ',') return fail("expected ',' or '}'");
      ++pos_;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::optional<std::string> python_json_check(std::string_view bytes) {
  if (auto bad = check_utf8(bytes)) return bad;
  return Checker(bytes).run();
}

}  // namespace instill::data
