#include "core/python_repr.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/nesting_guard.hpp"
#include "core/utf8.hpp"

namespace instill {

std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // Shortest round-trip digits in scientific form, then re-laid out by Python's rule:
  // fixed notation when -4 <= exponent < 16, otherwise "d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = false;
  if (!sci.empty() && sci[0] == '-') {
    negative = true;
    sci.remove_prefix(1);
  }
  const size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits.push_back(c);
  const int exponent = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += ebuf;
  } else if (exponent < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out += digits;
  } else {
    const size_t int_len = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, int_len);
      out += '.';
      out.append(digits, int_len);
    }
  }
  return out;
}

namespace {

// str.isprintable() for the code points that matter in practice: controls, format and
// separator characters other than ' ', surrogates and private use. (Unassigned code points
// would need the Unicode database; they are printed raw.)
bool is_printable(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) return false;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F))
    return false;
  if ((cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) return false;
  if ((cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFFF9 && cp <= 0xFFFB)) return false;
  if (cp == 0x061C || cp == 0x180E || (cp >= 0xF0000)) return false;
  return true;
}

void append_hex_escape(std::string& out, uint32_t cp) {
  char buf[16];
  if (cp <= 0xFF)
    std::snprintf(buf, sizeof buf, "\\x%02x", cp);
  else if (cp <= 0xFFFF)
    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  else
    std::snprintf(buf, sizeof buf, "\\U%08x", cp);
  out += buf;
}

void append_string_repr(std::string& out, std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  out += quote;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    const uint32_t cp = decode_utf8_at(s, i, len);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (!is_printable(cp)) {
      append_hex_escape(out, cp);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += quote;
}

void append_int(std::string& out, int64_t v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

std::string python_string_repr(std::string_view utf8) {
  std::string out;
  append_string_repr(out, utf8);
  return out;
}

void append_python_repr(std::string& out, const Value& v) {
  using T = Value::Type;
  switch (v.type()) {
    case T::kString:
      append_string_repr(out, v.as_string());
      return;
    case T::kList:
    case T::kTuple: {
      const NestingGuard guard("getting the repr of an object");
      const auto& items = v.as_list();
      out += v.is_list() ? '[' : '(';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        append_python_repr(out, items[i]);
      }
      if (v.is_tuple() && items.size() == 1) out += ',';
      out += v.is_list() ? ']' : ')';
      return;
    }
    case T::kMap: {
      const NestingGuard guard("getting the repr of an object");
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.as_map()) {
        if (!first) out += ", ";
        first = false;
        append_string_repr(out, k);
        out += ": ";
        append_python_repr(out, item);
      }
      out += '}';
      return;
    }
    default:
      append_python_str(out, v);
  }
}

void append_python_str(std::string& out, const Value& v) {
  using T = Value::Type;
  switch (v.type()) {
    case T::kNull:
      out += "None";
      return;
    case T::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case T::kInt:
      append_int(out, v.as_int());
      return;
    case T::kBigInt:
      out += v.big_int_digits();
      return;
    case T::kFloat:
      out += python_float_repr(v.as_float());
      return;
    case T::kString:
      out += v.as_string();
      return;
    case T::kObject:
      out += "<" + v.as_object()->type_name() + " object>";
      return;
    default:
      append_python_repr(out, v);
  }
}

std::string python_str(const Value& v) {
  std::string out;
  append_python_str(out, v);
  return out;
}

std::string python_repr(const Value& v) {
  std::string out;
  append_python_repr(out, v);
  return out;
}

}  // namespace instill
