#include "text/python_str.hpp"

#include <utf8proc.h>

#include <algorithm>

#include "core/utf8.hpp"
#include "text/unicode_properties.hpp"

namespace instill::text {

std::vector<uint32_t> to_code_points(std::string_view s) {
  std::vector<uint32_t> cps;
  cps.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    cps.push_back(decode_utf8_at(s, i, len));
    i += len;
  }
  return cps;
}

std::string from_code_points(const std::vector<uint32_t>& cps, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end && i < cps.size(); ++i) append_utf8(out, cps[i]);
  return out;
}

size_t code_point_count(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool py_isspace(uint32_t cp) {
  // Python's whitespace is Unicode's White_Space plus the separators U+001C..U+001F.
  return (cp >= 0x1C && cp <= 0x1F) || is_whitespace(static_cast<char32_t>(cp));
}

namespace {

#include "text/python_str_case_table.inc"

const CaseRow* case_row(uint32_t cp) {
  const auto* end = kCaseRows + sizeof(kCaseRows) / sizeof(kCaseRows[0]);
  const auto* it =
      std::lower_bound(kCaseRows, end, cp, [](const CaseRow& r, uint32_t c) { return r.cp < c; });
  return it != end && it->cp == cp ? it : nullptr;
}

template <size_t N>
bool in_ranges(const uint32_t (&ranges)[N][2], uint32_t cp) {
  size_t lo = 0, hi = N;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (ranges[mid][1] < cp)
      lo = mid + 1;
    else if (ranges[mid][0] > cp)
      hi = mid;
    else
      return true;
  }
  return false;
}

bool is_cased(uint32_t cp) { return in_ranges(kCasedRanges, cp); }
bool is_case_ignorable(uint32_t cp) { return in_ranges(kCaseIgnorableRanges, cp); }

void append_upper(std::string& out, uint32_t cp) {
  if (const CaseRow* r = case_row(cp)) {
    out += r->upper;
    return;
  }
  append_utf8(out, cp);
}
void append_title(std::string& out, uint32_t cp) {
  if (const CaseRow* r = case_row(cp)) {
    out += r->title;
    return;
  }
  append_utf8(out, cp);
}
// str.lower of cps[i], with Python's Final_Sigma rule for capital sigma.
void append_lower(std::string& out, const std::vector<uint32_t>& cps, size_t i) {
  const uint32_t cp = cps[i];
  if (cp == 0x3A3) {
    size_t j = i;
    bool cased_before = false;
    while (j > 0) {
      --j;
      if (is_case_ignorable(cps[j])) continue;
      cased_before = is_cased(cps[j]);
      break;
    }
    bool cased_after = false;
    for (size_t k = i + 1; k < cps.size(); ++k) {
      if (is_case_ignorable(cps[k])) continue;
      cased_after = is_cased(cps[k]);
      break;
    }
    out += cased_before && !cased_after ? "\xcf\x82" : "\xcf\x83";
    return;
  }
  if (const CaseRow* r = case_row(cp)) {
    out += r->lower;
    return;
  }
  append_utf8(out, cp);
}

}  // namespace

std::string py_upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return out;
  }
  for (uint32_t cp : to_code_points(s)) append_upper(out, cp);
  return out;
}

std::string py_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return out;
  }
  const auto cps = to_code_points(s);
  for (size_t i = 0; i < cps.size(); ++i) append_lower(out, cps, i);
  return out;
}

std::string py_swapcase(std::string_view s) {
  std::string out;
  const auto cps = to_code_points(s);
  for (size_t i = 0; i < cps.size(); ++i) {
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cps[i]));
    if (cat == UTF8PROC_CATEGORY_LU)
      append_lower(out, cps, i);
    else if (cat == UTF8PROC_CATEGORY_LL)
      append_upper(out, cps[i]);
    else
      append_utf8(out, cps[i]);
  }
  return out;
}

std::string py_title(std::string_view s) {
  std::string out;
  const auto cps = to_code_points(s);
  bool previous_cased = false;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (previous_cased)
      append_lower(out, cps, i);
    else
      append_title(out, cps[i]);
    previous_cased = is_cased(cps[i]);
  }
  return out;
}

std::string py_capitalize(std::string_view s) {
  std::string out;
  const auto cps = to_code_points(s);
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i == 0)
      append_title(out, cps[i]);
    else
      append_lower(out, cps, i);
  }
  return out;
}

bool py_is_lower(std::string_view s) {
  bool cased = false;
  for (uint32_t cp : to_code_points(s)) {
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) return false;
    if (cat == UTF8PROC_CATEGORY_LL) cased = true;
  }
  return cased;
}

bool py_is_upper(std::string_view s) {
  bool cased = false;
  for (uint32_t cp : to_code_points(s)) {
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    if (cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT) return false;
    if (cat == UTF8PROC_CATEGORY_LU) cased = true;
  }
  return cased;
}

std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                     bool right) {
  if (is_ascii(s) && (!chars || is_ascii(*chars))) {
    auto strip_char = [&](char c) {
      if (chars) return chars->find(c) != std::string::npos;
      return py_isspace(static_cast<unsigned char>(c));
    };
    size_t b = 0, e = s.size();
    if (left)
      while (b < e && strip_char(s[b])) ++b;
    if (right)
      while (e > b && strip_char(s[e - 1])) --e;
    return std::string(s.substr(b, e - b));
  }
  const auto cps = to_code_points(s);
  std::vector<uint32_t> set;
  if (chars) set = to_code_points(*chars);
  auto strip_cp = [&](uint32_t cp) {
    if (chars) return std::find(set.begin(), set.end(), cp) != set.end();
    return py_isspace(cp);
  };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strip_cp(cps[b])) ++b;
  if (right)
    while (e > b && strip_cp(cps[e - 1])) --e;
  return from_code_points(cps, b, e);
}

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep,
                                  int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      const size_t at = s.find(*sep, start);
      if (at == std::string_view::npos) break;
      parts.emplace_back(s.substr(start, at - start));
      start = at + sep->size();
    }
    parts.emplace_back(s.substr(start));
    return parts;
  }
  const auto cps = to_code_points(s);
  size_t i = 0;
  while (true) {
    while (i < cps.size() && py_isspace(cps[i])) ++i;
    if (i >= cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) >= maxsplit) {
      parts.push_back(from_code_points(cps, i, cps.size()));  // keeps trailing whitespace
      break;
    }
    size_t j = i;
    while (j < cps.size() && !py_isspace(cps[j])) ++j;
    parts.push_back(from_code_points(cps, i, j));
    i = j;
  }
  return parts;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep,
                                   int64_t maxsplit) {
  if (maxsplit < 0) return py_split(s, sep, maxsplit);
  std::vector<std::string> parts;
  if (sep) {
    size_t end = s.size();
    while (static_cast<int64_t>(parts.size()) < maxsplit) {
      if (end < sep->size()) break;
      const size_t at = s.rfind(*sep, end - sep->size());
      if (at == std::string_view::npos) break;
      parts.emplace_back(s.substr(at + sep->size(), end - at - sep->size()));
      end = at;
    }
    parts.emplace_back(s.substr(0, end));
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  const auto cps = to_code_points(s);
  size_t e = cps.size();
  while (true) {
    while (e > 0 && py_isspace(cps[e - 1])) --e;
    if (e == 0) break;
    if (static_cast<int64_t>(parts.size()) >= maxsplit) {
      parts.push_back(from_code_points(cps, 0, e));  // keeps leading whitespace
      break;
    }
    size_t b = e;
    while (b > 0 && !py_isspace(cps[b - 1])) --b;
    parts.push_back(from_code_points(cps, b, e));
    e = b;
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

std::vector<std::string> py_splitlines(std::string_view s) {
  std::vector<std::string> lines;
  const auto cps = to_code_points(s);
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    const uint32_t c = cps[i];
    const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
                     c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) continue;
    lines.push_back(from_code_points(cps, start, i));
    if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < cps.size()) lines.push_back(from_code_points(cps, start, cps.size()));
  return lines;
}

std::string py_center(std::string_view s, int64_t width) {
  const auto len = static_cast<int64_t>(code_point_count(s));
  if (width <= len) return std::string(s);
  const int64_t marg = width - len;
  const int64_t left = marg / 2 + (marg & width & 1);
  std::string out(static_cast<size_t>(left), ' ');
  out += s;
  out.append(static_cast<size_t>(marg - left), ' ');
  return out;
}

}  // namespace instill::text
