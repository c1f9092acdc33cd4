#include "core/python_yaml_dump.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include "core/error.hpp"
#include "core/python_repr.hpp"
#include "core/utf8.hpp"

namespace instill {

namespace {

// Code points of a UTF-8 string (the emitter works on characters, as Python does).
std::u32string decode(const std::string& s) {
  std::u32string out;
  for (size_t i = 0, len = 0; i < s.size(); i += len) out.push_back(decode_utf8_at(s, i, len));
  return out;
}

void encode(char32_t c, std::string& out) { append_utf8(out, c); }

bool is_break(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool is_space_or_break0(char32_t c) {
  return c == 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 ||
         c == 0x2029;
}
bool in(char32_t c, const char* set) {
  for (const char* p = set; *p; ++p)
    if (c == static_cast<unsigned char>(*p)) return true;
  return false;
}

// Would PyYAML's resolver read this plain scalar as something other than a string?
bool resolves_to_non_string(const std::string& s) {
  static const std::regex kBool(
      R"(^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$)");
  static const std::regex kFloat(
      R"(^([-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?|\.[0-9_]+([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$)");
  static const std::regex kInt(
      R"(^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$)");
  static const std::regex kNull(R"(^(~|null|Null|NULL|)$)");
  static const std::regex kTimestamp(
      R"(^([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](\.[0-9]*)?([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?)$)");
  return std::regex_match(s, kBool) || std::regex_match(s, kFloat) || std::regex_match(s, kInt) ||
         std::regex_match(s, kNull) || std::regex_match(s, kTimestamp) || s == "<<" || s == "=";
}

struct Analysis {
  bool empty = false, multiline = false;
  bool allow_flow_plain = true, allow_block_plain = true, allow_single_quoted = true;
  bool allow_double_quoted = true, allow_block = true;
};

Analysis analyze(const std::u32string& s) {
  Analysis a;
  if (s.empty()) {
    a.empty = true;
    a.allow_flow_plain = false;
    a.allow_block = false;
    return a;
  }
  bool block_indicators = false, flow_indicators = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false;
  if (s.compare(0, 3, U"---") == 0 || s.compare(0, 3, U"...") == 0)
    block_indicators = flow_indicators = true;
  bool preceded_by_ws = true;
  bool followed_by_ws = s.size() == 1 || is_space_or_break0(s[1]);
  bool previous_space = false, previous_break = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t ch = s[i];
    if (i == 0) {
      if (in(ch, "#,[]{}&*!|>'\"%@`")) flow_indicators = block_indicators = true;
      if (in(ch, "?:")) {
        flow_indicators = true;
        if (followed_by_ws) block_indicators = true;
      }
      if (ch == '-' && followed_by_ws) flow_indicators = block_indicators = true;
    } else {
      if (in(ch, ",?[]{}")) flow_indicators = true;
      if (ch == ':') {
        flow_indicators = true;
        if (followed_by_ws) block_indicators = true;
      }
      if (ch == '#' && preceded_by_ws) flow_indicators = block_indicators = true;
    }
    if (is_break(ch)) line_breaks = true;
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) {
      const bool unicode_ok =
          (ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
           (ch >= 0x10000 && ch < 0x10FFFF)) &&
          ch != 0xFEFF;
      if (!unicode_ok) special = true;  // allow_unicode=True: other unicode is fine
    }
    if (ch == ' ') {
      if (i == 0) leading_space = true;
      if (i == s.size() - 1) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (is_break(ch)) {
      if (i == 0) leading_break = true;
      if (i == s.size() - 1) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = is_space_or_break0(ch);
    followed_by_ws = i + 2 >= s.size() || is_space_or_break0(s[i + 2]);
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break)
    a.allow_flow_plain = a.allow_block_plain = false;
  if (trailing_space) a.allow_block = false;
  if (break_space) a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = false;
  if (space_break || special)
    a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = a.allow_block = false;
  if (line_breaks) a.allow_flow_plain = a.allow_block_plain = false;
  if (flow_indicators) a.allow_flow_plain = false;
  if (block_indicators) a.allow_block_plain = false;
  return a;
}

constexpr int kBestWidth = 80;
constexpr int kBestIndent = 2;

class Emitter {
 public:
  std::string finish() {
    out_ += '\n';  // document end
    return std::move(out_);
  }

  // A block mapping whose keys sit at `indent`; with first_inline the first key follows an
  // indicator already written ("- " or ": ") instead of starting a new line.
  void mapping(const ValueMap& m, int indent, bool first_inline) {
    std::vector<const ValueMap::Entry*> entries;
    for (const auto& e : m) entries.push_back(&e);
    std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
    bool first = true;
    for (const auto* e : entries) {
      if (!(first && first_inline)) write_indent(indent);
      first = false;
      const Value& v = e->second;
      const std::u32string key_chars = decode(e->first);
      const Analysis key = analyze(key_chars);
      if (key.empty || key.multiline || key_chars.size() >= 128) {
        // Not a simple key: PyYAML's explicit "? key" / ": value" form.
        write_indicator("?", true, false, true);
        scalar_string(e->first, indent + kBestIndent, /*simple_key=*/false);
        write_indent(indent);
        write_indicator(":", true, false, true);
        inline_value(v, indent);
        continue;
      }
      scalar_string(e->first, indent, /*simple_key=*/true);
      write_indicator(":", false);
      if (is_nonempty_map(v)) {
        mapping(v.as_map(), indent + kBestIndent, false);
      } else if (is_nonempty_sequence(v)) {
        sequence(v.as_list(), indent, false);  // indentless sequence inside a mapping
      } else {
        scalar_value(v, indent + kBestIndent, false);
      }
    }
  }

  // A block sequence whose dashes sit at `indent` (first_inline as for mapping()).
  void sequence(const ValueList& items, int indent, bool first_inline) {
    bool first = true;
    for (const auto& item : items) {
      if (!(first && first_inline)) write_indent(indent);
      first = false;
      write_indicator("-", true, /*whitespace=*/false, /*indention=*/true);
      inline_value(item, indent);
    }
  }

  // A value right after "- " or an explicit key's ": ", where a collection starts inline.
  void inline_value(const Value& v, int indent) {
    if (is_nonempty_map(v)) {
      mapping(v.as_map(), indent + kBestIndent, true);
    } else if (is_nonempty_sequence(v)) {
      sequence(v.as_list(), indent + kBestIndent, true);
    } else {
      scalar_value(v, indent + kBestIndent, false);
    }
  }

  static bool is_nonempty_map(const Value& v) { return v.is_map() && !v.as_map().empty(); }
  static bool is_nonempty_sequence(const Value& v) {
    return v.is_sequence() && !v.as_list().empty();
  }

  void scalar_value(const Value& v, int indent, bool simple_key) {
    switch (v.type()) {
      case Value::Type::kNull:
        return plain("null");
      case Value::Type::kBool:
        return plain(v.as_bool() ? "true" : "false");
      case Value::Type::kInt:
        return plain(std::to_string(v.as_int()));
      case Value::Type::kBigInt:
        return plain(v.big_int_digits());
      case Value::Type::kFloat:
        return plain(float_text(v.as_float()));
      case Value::Type::kString:
        return scalar_string(v.as_string(), indent, simple_key);
      case Value::Type::kMap:
        return write_indicator("{}", true);
      case Value::Type::kList:
        return write_indicator("[]", true);
      default:
        throw Error("yaml dump: cannot represent a " + v.python_type_name());
    }
  }

 private:
  static std::string float_text(double d) {
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    std::string s = python_float_repr(d);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    if (s.find('.') == std::string::npos && s.find('e') != std::string::npos)
      s.replace(s.find('e'), 1, ".0e");
    return s;
  }

  void plain(const std::string& text) { write_plain(decode(text), false); }

  void scalar_string(const std::string& text, int indent, bool simple_key) {
    const std::u32string s = decode(text);
    const Analysis a = analyze(s);
    indent_ = indent;
    const bool implicit_plain = !resolves_to_non_string(text);
    if (implicit_plain && !(simple_key && (a.empty || a.multiline)) && a.allow_block_plain) {
      write_plain(s, !simple_key);
    } else if (a.allow_single_quoted && !(simple_key && a.multiline)) {
      write_single_quoted(s, !simple_key);
    } else {
      write_double_quoted(s, !simple_key);
    }
  }

  void write(const std::u32string& s, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) encode(s[i], out_);
    column_ += static_cast<int>(to - from);
  }
  void write_ascii(const std::string& s) {
    out_ += s;
    column_ += static_cast<int>(s.size());
  }

  void write_indicator(const std::string& indicator, bool need_whitespace, bool whitespace = false,
                       bool indention = false) {
    if (whitespace_ || !need_whitespace) {
      write_ascii(indicator);
    } else {
      write_ascii(" " + indicator);
    }
    whitespace_ = whitespace;
    indention_ = indention_ && indention;
  }

  void write_indent(int indent) {
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) {
      if (started_) write_line_break();
    }
    started_ = true;
    if (column_ < indent) {
      whitespace_ = true;
      out_.append(static_cast<size_t>(indent - column_), ' ');
      column_ = indent;
    }
  }

  void write_line_break(char32_t br = '\n') {
    whitespace_ = true;
    indention_ = true;
    encode(br, out_);
    column_ = 0;
  }

  void write_plain(const std::u32string& text, bool split) {
    if (text.empty()) return;
    if (!whitespace_) write_ascii(" ");
    whitespace_ = false;
    indention_ = false;
    bool spaces = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      const char32_t ch = end < text.size() ? text[end] : 0;
      const bool at_end = end == text.size();
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && split) {
            write_indent(indent_);
            whitespace_ = false;
            indention_ = false;
          } else {
            write(text, start, end);
          }
          start = end;
        }
      } else if (at_end || ch == ' ' || is_break(ch)) {
        write(text, start, end);
        start = end;
      }
      if (!at_end) spaces = ch == ' ';
    }
  }

  void write_single_quoted(const std::u32string& text, bool split) {
    write_indicator("'", true);
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && split && start != 0 &&
              end != text.size()) {
            write_indent(indent_);
          } else {
            write(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !is_break(ch)) {
          if (text[start] == '\n') write_line_break();
          for (size_t k = start; k < end; ++k) write_line_break(text[k]);
          write_indent(indent_);
          start = end;
        }
      } else if (at_end || ch == ' ' || is_break(ch) || ch == '\'') {
        if (start < end) {
          write(text, start, end);
          start = end;
        }
      }
      if (!at_end && ch == '\'') {
        write_ascii("''");
        start = end + 1;
      }
      if (!at_end) {
        spaces = ch == ' ';
        breaks = is_break(ch);
      }
    }
    write_indicator("'", false);
  }

  void write_double_quoted(const std::u32string& text, bool split) {
    write_indicator("\"", true);
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      const bool escape = at_end || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 ||
                          ch == 0x2029 || ch == 0xFEFF ||
                          !((ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) ||
                            (ch >= 0xE000 && ch <= 0xFFFD));
      if (escape) {
        if (start < end) {
          write(text, start, end);
          start = end;
        }
        if (!at_end) {
          write_ascii(escape_of(ch));
          start = end + 1;
        }
      }
      if (end > 0 && end + 1 < text.size() && (ch == ' ' || start >= end) &&
          column_ + static_cast<int>(end - start) > kBestWidth && split) {
        std::string data;
        for (size_t k = start; k < end; ++k) encode(text[k], data);
        data += '\\';
        column_ += static_cast<int>(end - start) + 1;
        out_ += data;
        if (start < end) start = end;
        write_indent(indent_);
        whitespace_ = false;
        indention_ = false;
        if (text[start] == ' ') write_ascii("\\");
      }
    }
    write_indicator("\"", false);
  }

  static std::string escape_of(char32_t ch) {
    switch (ch) {
      case 0:
        return "\\0";
      case 0x07:
        return "\\a";
      case 0x08:
        return "\\b";
      case 0x09:
        return "\\t";
      case 0x0A:
        return "\\n";
      case 0x0B:
        return "\\v";
      case 0x0C:
        return "\\f";
      case 0x0D:
        return "\\r";
      case 0x1B:
        return "\\e";
      case '"':
        return "\\\"";
      case '\\':
        return "\\\\";
      case 0x85:
        return "\\N";
      case 0xA0:
        return "\\_";
      case 0x2028:
        return "\\L";
      case 0x2029:
        return "\\P";
      default:
        break;
    }
    char buf[16];
    if (ch <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(ch));
    } else if (ch <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(ch));
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(ch));
    }
    return buf;
  }

  std::string out_;
  int column_ = 0;
  int indent_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  bool started_ = false;
};

}  // namespace

std::string pyyaml_dump(const Value& value) {
  Emitter e;
  if (value.is_map() && !value.as_map().empty()) {
    e.mapping(value.as_map(), 0, false);
  } else if (value.is_sequence() && !value.as_list().empty()) {
    e.sequence(value.as_list(), 0, false);
  } else {
    throw Error("yaml dump: only non-empty mappings and lists are supported at the top level");
  }
  return e.finish();
}

}  // namespace instill
