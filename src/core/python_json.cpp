#include "core/python_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.hpp"
#include "core/python_repr.hpp"
#include "core/utf8.hpp"

namespace instill {
namespace {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  Value parse_document() {
    skip_ws();
    Value v = parse_value();
    skip_ws();
    if (pos_ != s_.size()) fail("Extra data");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(what, pos_); }
  [[noreturn]] void fail_at(const std::string& what, size_t at) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw Error("JSON decode error: " + what + ": line " + std::to_string(line) + " column " +
                std::to_string(col) + " (char " + std::to_string(at) + ")");
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Value parse_value() {
    if (++depth_ > 10000) fail("maximum nesting depth exceeded");
    if (pos_ >= s_.size()) fail("Expecting value");
    Value result;
    const char c = s_[pos_];
    if (c == '{') {
      result = parse_object();
    } else if (c == '[') {
      result = parse_array();
    } else if (c == '"') {
      result = Value(parse_string());
    } else if (consume("null")) {
      result = Value();
    } else if (consume("true")) {
      result = Value(true);
    } else if (consume("false")) {
      result = Value(false);
    } else if (consume("NaN")) {
      result = Value(std::nan(""));
    } else if (consume("Infinity")) {
      result = Value(HUGE_VAL);
    } else if (consume("-Infinity")) {
      result = Value(-HUGE_VAL);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      result = parse_number();
    } else {
      fail("Expecting value");
    }
    --depth_;
    return result;
  }

  Value parse_number() {
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
    if (!digit()) fail_at("Expecting value", start);
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    bool is_float = false;
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9') {
      is_float = true;
      ++pos_;
      while (digit()) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < s_.size() && (s_[p] == '+' || s_[p] == '-')) ++p;
      if (p < s_.size() && s_[p] >= '0' && s_[p] <= '9') {
        is_float = true;
        pos_ = p;
        while (digit()) ++pos_;
      }
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    if (!is_float) return Value::integer_from_decimal(text);
    return Value(std::strtod(std::string(text).c_str(), nullptr));
  }

  uint32_t parse_hex4() {
    if (pos_ + 4 > s_.size()) fail("Invalid \\uXXXX escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_ + static_cast<size_t>(i)];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<uint32_t>(h - 'A' + 10);
      else
        fail("Invalid \\uXXXX escape");
    }
    pos_ += 4;
    return v;
  }

  std::string parse_string() {
    const size_t start = pos_;
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail_at("Unterminated string starting at", start);
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("Invalid control character at");
      if (c != '\\') {
        const size_t run_start = pos_;
        while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\' &&
               static_cast<unsigned char>(s_[pos_]) >= 0x20)
          ++pos_;
        out.append(s_.substr(run_start, pos_ - run_start));
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) fail_at("Unterminated string starting at", start);
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
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
        case 'u': {
          uint32_t cp = parse_hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < s_.size() && s_[pos_] == '\\' &&
              s_[pos_ + 1] == 'u') {
            const size_t save = pos_;
            pos_ += 2;
            const uint32_t low = parse_hex4();
            if (low >= 0xDC00 && low <= 0xDFFF)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            else
              pos_ = save;
          }
          append_utf8(out, cp);
          break;
        }
        default:
          pos_ -= 2;
          fail("Invalid \\escape");
      }
    }
  }

  Value parse_array() {
    ++pos_;
    ValueList items;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    while (true) {
      skip_ws();
      items.push_back(parse_value());
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Value(std::move(items));
      }
      fail("Expecting ',' delimiter");
    }
  }

  Value parse_object() {
    ++pos_;
    ValueMap map;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Value(std::move(map));
    }
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"')
        fail("Expecting property name enclosed in double quotes");
      std::string key = parse_string();
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("Expecting ':' delimiter");
      ++pos_;
      skip_ws();
      map.set(std::move(key), parse_value());
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Value(std::move(map));
      }
      fail("Expecting ',' delimiter");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20 || (c == 0x7F && ensure_ascii)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c >= 0x80 && ensure_ascii) {
      // Decode one sequence and write it as \uXXXX (a surrogate pair above the BMP).
      uint32_t cp = c;
      size_t len = 1;
      if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
        cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
        len = 2;
      } else if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
        cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
             (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
        len = 3;
      } else if ((c & 0xF8) == 0xF0 && i + 3 < s.size()) {
        cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
             ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
             (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
        len = 4;
      }
      char buf[16];
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      }
      out += buf;
      i += len;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

struct Dumper {
  const JsonDumpOptions& opt;
  std::string item_sep;
  std::string key_sep;
  std::string& out;
  int level = 0;

  void newline_indent() {
    out += '\n';
    for (int i = 0; i < level; ++i) out += *opt.indent;
    check_size();
  }
  void check_size() const {
    if (out.size() > opt.max_bytes)
      throw JsonTooLarge("JSON text longer than " + std::to_string(opt.max_bytes) + " bytes");
  }
  // Python's json.dumps raises RecursionError near this depth; the C++ stack needs the bound.
  void enter() {
    if (++level > 1000) throw Error("maximum recursion depth exceeded while encoding JSON");
  }

  void dump(const Value& v) {
    using T = Value::Type;
    switch (v.type()) {
      case T::kNull:
        out += "null";
        return;
      case T::kBool:
        out += v.as_bool() ? "true" : "false";
        return;
      case T::kInt:
      case T::kBigInt:
        append_python_str(out, v);
        return;
      case T::kFloat: {
        const double d = v.as_float();
        if (std::isnan(d))
          out += "NaN";
        else if (std::isinf(d))
          out += d > 0 ? "Infinity" : "-Infinity";
        else
          out += python_float_repr(d);
        return;
      }
      case T::kString:
        append_json_string(out, v.as_string(), opt.ensure_ascii);
        return;
      case T::kList:
      case T::kTuple: {
        const auto& items = v.as_list();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        enter();
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += item_sep;
          if (opt.indent) newline_indent();
          dump(items[i]);
          check_size();
        }
        --level;
        if (opt.indent) newline_indent();
        out += ']';
        return;
      }
      case T::kMap: {
        const auto& map = v.as_map();
        if (map.empty()) {
          out += "{}";
          return;
        }
        std::vector<const ValueMap::Entry*> entries;
        entries.reserve(map.size());
        for (const auto& e : map) entries.push_back(&e);
        if (opt.sort_keys)
          std::stable_sort(entries.begin(), entries.end(),
                           [](auto* a, auto* b) { return a->first < b->first; });
        out += '{';
        enter();
        bool first = true;
        for (const auto* e : entries) {
          if (!first) out += item_sep;
          first = false;
          if (opt.indent) newline_indent();
          append_json_string(out, e->first, opt.ensure_ascii);
          out += key_sep;
          dump(e->second);
          check_size();
        }
        --level;
        if (opt.indent) newline_indent();
        out += '}';
        return;
      }
      case T::kObject:
        throw Error("Object of type " + v.python_type_name() + " is not JSON serializable");
    }
  }
};

}  // namespace

Value json_loads(std::string_view text) { return JsonParser(text).parse_document(); }

void append_json(std::string& out, const Value& value, const JsonDumpOptions& options) {
  Dumper d{options, options.item_separator.value_or(options.indent ? "," : ", "),
           options.key_separator.value_or(": "), out};
  d.dump(value);
}

std::string json_dumps(const Value& value, const JsonDumpOptions& options) {
  std::string out;
  append_json(out, value, options);
  return out;
}

}  // namespace instill
