// Jinja2's built-in filters with the semantics of Jinja2 3.1, and transformers' tojson.
#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "core/python_json.hpp"
#include "core/python_repr.hpp"
#include "core/utf8.hpp"
#include "jinja/arguments.hpp"
#include "jinja/builtins.hpp"
#include "text/python_str.hpp"

namespace instill::jinja {
namespace {

std::string str_of(const Value& v) { return to_str(v); }

Value f_tojson(Renderer& r, const Value& in, CallArgs& args) {
  JsonDumpOptions opt;
  opt.ensure_ascii = bool_arg(args, 0, "ensure_ascii", false);
  if (auto indent = arg_opt(args, 1, "indent")) {
    if (indent->is_int()) {
      r.check_size(static_cast<size_t>(std::max<int64_t>(0, indent->as_int())), "tojson()");
      opt.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, indent->as_int())), ' ');
    } else if (indent->is_string())
      opt.indent = indent->as_string();
    else
      r.fail("TypeError: indent must be an int or a string");
  }
  if (auto sep = arg_opt(args, 2, "separators")) {
    if (!sep->is_sequence() || sep->as_list().size() != 2)
      r.fail("ValueError: separators must be a pair");
    opt.item_separator = str_of(sep->as_list()[0]);
    opt.key_separator = str_of(sep->as_list()[1]);
  }
  opt.sort_keys = bool_arg(args, 3, "sort_keys", false);
  opt.max_bytes = r.limits().max_value_bytes;
  if (is_undefined(in)) r.fail("TypeError: Object of type Undefined is not JSON serializable");
  try {
    return Value(json_dumps(in, opt));
  } catch (const JsonTooLarge&) {
    r.check_size(SIZE_MAX, "tojson()");
    throw;
  } catch (const Error& e) {
    r.fail(std::string("TypeError: ") + e.what());
  }
}

Value f_trim(Renderer&, const Value& in, CallArgs& args) {
  return Value(text::py_strip(str_of(in), str_arg(args, 0, "chars"), true, true));
}
Value f_upper(Renderer&, const Value& in, CallArgs&) { return Value(text::py_upper(str_of(in))); }
Value f_lower(Renderer&, const Value& in, CallArgs&) { return Value(text::py_lower(str_of(in))); }
Value f_capitalize(Renderer&, const Value& in, CallArgs&) {
  return Value(text::py_capitalize(str_of(in)));
}

// Jinja's title: words begin after runs of whitespace, '-', '(', '{', '[', '<'.
Value f_title(Renderer&, const Value& in, CallArgs&) {
  const std::string s = str_of(in);
  std::string out;
  bool at_word_start = true;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    const uint32_t cp = decode_utf8_at(s, i, len);
    const bool sep =
        text::py_isspace(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    if (sep) {
      out.append(s, i, len);
      at_word_start = true;
    } else {
      const std::string piece = s.substr(i, len);
      out += at_word_start ? text::py_upper(piece) : text::py_lower(piece);
      at_word_start = false;
    }
    i += len;
  }
  return Value(std::move(out));
}

Value f_length(Renderer&, const Value& in, CallArgs&) { return Value(length_of(in)); }

Value f_first(Renderer&, const Value& in, CallArgs&) {
  ValueList items = iterate(in);
  if (items.empty()) return make_undefined("No first item, sequence was empty.");
  return items.front();
}
Value f_last(Renderer&, const Value& in, CallArgs&) {
  ValueList items = iterate(in);
  if (items.empty()) return make_undefined("No last item, sequence was empty.");
  return items.back();
}

// Jinja's attribute paths: "a.b.0" looks up item by item, digits as integers. A non-None
// `fallback` replaces an undefined result after each step, as Jinja2's make_attrgetter does.
Value lookup_path(Renderer& r, const Value& item, const std::string& path,
                  const Value* fallback = nullptr) {
  Value cur = item;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    cur = r.getitem(cur, digits ? Value::integer_from_decimal(part) : Value(part));
    if (fallback && !fallback->is_null() && is_undefined(cur)) cur = *fallback;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Value f_join(Renderer& r, const Value& in, CallArgs& args) {
  const std::string sep = args.get(0, "d") ? str_of(*args.get(0, "d")) : "";
  auto attribute = str_arg(args, 1, "attribute");
  std::string out;
  bool first = true;
  for (const auto& item : iterate(in)) {
    if (!first) out += sep;
    first = false;
    append_output(out, attribute ? lookup_path(r, item, *attribute) : item);
    r.check_size(out.size(), "join()");
  }
  return Value(std::move(out));
}

Value f_replace(Renderer& r, const Value& in, CallArgs& args) {
  const std::string s = str_of(in);
  const Value* old_v = args.get(0, "old");
  const Value* new_v = args.get(1, "new");
  if (!old_v || !new_v) r.fail("TypeError: replace() needs 'old' and 'new'");
  const std::string old_s = str_of(*old_v), new_s = str_of(*new_v);
  int64_t count = -1;
  if (auto c = arg_opt(args, 2, "count")) count = c->is_int() ? c->as_int() : -1;
  std::string out;
  if (old_s.empty()) {
    int64_t done = 0;
    for (size_t i = 0; i < s.size();) {
      if (count < 0 || done < count) {
        out += new_s;
        ++done;
      }
      size_t len = 1;
      decode_utf8_at(s, i, len);
      out.append(s, i, len);
      i += len;
      r.check_size(out.size(), "replace()");
    }
    if (count < 0 || done < count) out += new_s;
    return Value(std::move(out));
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t at = s.find(old_s, pos);
    if (at == std::string::npos) break;
    out.append(s, pos, at - pos);
    out += new_s;
    pos = at + old_s.size();
    ++done;
    r.check_size(out.size(), "replace()");
  }
  out.append(s, pos, std::string::npos);
  return Value(std::move(out));
}

Value f_default(Renderer&, const Value& in, CallArgs& args) {
  const Value fallback = arg_or(args, 0, "default_value", Value(""));
  const bool boolean = bool_arg(args, 1, "boolean", false);
  if (is_undefined(in) || (boolean && !truthy(in))) return fallback;
  return in;
}

Value f_list(Renderer&, const Value& in, CallArgs&) { return Value(iterate(in)); }
Value f_string(Renderer&, const Value& in, CallArgs&) { return Value(str_of(in)); }

// Digits in `base` to a decimal string, any size (limbs of 10^9, least significant first).
std::string digits_to_decimal(const std::vector<int>& digits, int base) {
  std::vector<uint32_t> limbs{0};
  for (int d : digits) {
    uint64_t carry = static_cast<uint64_t>(d);
    for (uint32_t& limb : limbs) {
      const uint64_t v = uint64_t{limb} * static_cast<uint64_t>(base) + carry;
      limb = static_cast<uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    if (carry) limbs.push_back(static_cast<uint32_t>(carry));
  }
  std::string out = std::to_string(limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    const std::string part = std::to_string(*it);
    out += std::string(9 - part.size(), '0') + part;
  }
  return out;
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Python's int(s, base) for base 0 or 2..36: whitespace around, a sign, the 0x / 0o / 0b
// prefix (which base 0 reads the base from), single underscores between digits, any size;
// nullopt where Python raises ValueError.
std::optional<Value> parse_python_int(std::string s, int base) {
  s = text::py_strip(s, std::nullopt, true, true);
  std::size_t i = 0;
  const bool negative = i < s.size() && s[i] == '-';
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  bool prefixed = false;
  if (i + 1 < s.size() && s[i] == '0') {
    const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + 1])));
    const int named = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (named != 0 && (base == 0 || base == named)) {
      base = named;
      i += 2;
      prefixed = true;
    }
  }
  const bool decimal_by_default = base == 0;
  if (base == 0) base = 10;
  std::vector<int> digits;
  bool after_digit = prefixed;  // Python allows "0x_1f"
  for (; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (!after_digit || i + 1 >= s.size()) return std::nullopt;
      after_digit = false;
      continue;
    }
    const int d = digit_value(s[i]);
    if (d >= base) return std::nullopt;
    digits.push_back(d);
    after_digit = true;
  }
  if (digits.empty() || !after_digit) return std::nullopt;
  // Base 0 reads "017" as an error (no octal without 0o), "000" as zero.
  if (decimal_by_default && !prefixed && digits.size() > 1 && digits[0] == 0)
    for (int d : digits)
      if (d != 0) return std::nullopt;
  return Value::integer_from_decimal((negative ? "-" : "") + digits_to_decimal(digits, base));
}

std::optional<double> parse_python_float(const std::string& raw) {
  std::string s = text::py_strip(raw, std::nullopt, true, true);
  if (s.empty()) return std::nullopt;
  std::string lower = text::py_lower(s);
  std::string body = lower;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body = body.substr(1);
  if (body == "inf" || body == "infinity" || body == "nan")
    return std::strtod(lower.c_str(), nullptr);
  for (char c : body)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' ||
          c == '-' || c == '_'))
      return std::nullopt;
  // As in Python, an underscore only stands between two digits.
  const auto digit_at = [&](std::size_t k) {
    return k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]));
  };
  for (std::size_t k = 0; k < s.size(); ++k)
    if (s[k] == '_' && (k == 0 || !digit_at(k - 1) || !digit_at(k + 1))) return std::nullopt;
  std::string cleaned;
  for (char c : s)
    if (c != '_') cleaned += c;
  char* end = nullptr;
  const double v = std::strtod(cleaned.c_str(), &end);
  if (end == cleaned.c_str() || *end != '\0') return std::nullopt;
  return v;
}

// Python int(float): exact, also beyond 64 bits (every double is an integer past 2^53).
Value float_to_int(double d) {
  const double t = std::trunc(d);
  if (t >= -9.2e18 && t <= 9.2e18) return Value(static_cast<int64_t>(t));
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.0f", t);
  return Value::integer_from_decimal(buf);
}

Value f_int(Renderer& r, const Value& in, CallArgs& args) {
  const Value fallback = arg_or(args, 0, "default", Value(int64_t{0}));
  const int64_t base = int_arg(r, args, 1, "base", 10);
  if (is_undefined(in)) r.fail("UndefinedError: " + in.object_as<UndefinedObject>()->hint);
  if (in.is_int() || in.is_big_int()) return in;
  if (in.is_bool()) return Value(int64_t{in.as_bool()});
  if (in.is_float()) {
    if (!std::isfinite(in.as_float())) return fallback;
    return float_to_int(in.as_float());
  }
  if (in.is_string()) {
    // Python's int() refuses any other base with ValueError, and the filter then tries float.
    const bool valid_base = base == 0 || (base >= 2 && base <= 36);
    if (valid_base)
      if (auto v = parse_python_int(in.as_string(), static_cast<int>(base))) return *v;
    if (auto f = parse_python_float(in.as_string()); f && std::isfinite(*f))
      return float_to_int(*f);
  }
  return fallback;
}

Value f_float(Renderer& r, const Value& in, CallArgs& args) {
  const Value fallback = arg_or(args, 0, "default", Value(0.0));
  if (is_undefined(in)) r.fail("UndefinedError: " + in.object_as<UndefinedObject>()->hint);
  if (in.is_number() || in.is_bool()) return Value(in.to_double());
  if (in.is_string())
    if (auto f = parse_python_float(in.as_string())) return Value(*f);
  return fallback;
}

Value f_items(Renderer& r, const Value& in, CallArgs&) {
  if (is_undefined(in)) return Value(ValueList{});
  if (!in.is_map()) r.fail("TypeError: Can only get item pairs from a mapping.");
  ValueList out;
  for (const auto& [k, v] : in.as_map()) out.push_back(Value::tuple({Value(k), v}));
  return Value(std::move(out));
}

// select/reject/selectattr/rejectattr share this: `attribute` null for select/reject.
Value select_impl(Renderer& r, const Value& in, CallArgs& args, bool by_attribute, bool keep) {
  size_t next = 0;
  std::optional<std::string> attribute;
  if (by_attribute) {
    if (args.positional.empty()) r.fail("TypeError: Missing parameter for attribute name");
    attribute = str_of(args.positional[0]);
    next = 1;
  }
  TestFn test = nullptr;
  CallArgs test_args;
  if (args.positional.size() > next) {
    const std::string name = str_of(args.positional[next]);
    test = find_test(name);
    if (!test) r.fail("TemplateRuntimeError: No test named '" + name + "'");
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next + 1),
                                args.positional.end());
    test_args.keyword = args.keyword;
  }
  ValueList out;
  if (!truthy(in)) return Value(std::move(out));  // Jinja2 skips falsy inputs (None → empty)
  for (const auto& item : iterate(in)) {
    const Value subject = attribute ? lookup_path(r, item, *attribute) : item;
    CallArgs a = test_args;
    const bool passed = test ? test(r, subject, a) : truthy(subject);
    if (passed == keep) out.push_back(item);
  }
  return Value(std::move(out));
}
Value f_select(Renderer& r, const Value& in, CallArgs& a) {
  return select_impl(r, in, a, false, true);
}
Value f_reject(Renderer& r, const Value& in, CallArgs& a) {
  return select_impl(r, in, a, false, false);
}
Value f_selectattr(Renderer& r, const Value& in, CallArgs& a) {
  return select_impl(r, in, a, true, true);
}
Value f_rejectattr(Renderer& r, const Value& in, CallArgs& a) {
  return select_impl(r, in, a, true, false);
}

Value f_map(Renderer& r, const Value& in, CallArgs& args) {
  ValueList out;
  if (!truthy(in)) return Value(std::move(out));  // Jinja2 skips falsy inputs (None → empty)
  if (const Value* attr = args.get_keyword("attribute")) {
    const std::string path = str_of(*attr);
    const Value* fallback = args.get_keyword("default");
    for (const auto& item : iterate(in)) {
      out.push_back(lookup_path(r, item, path, fallback));
    }
    return Value(std::move(out));
  }
  if (args.positional.empty()) r.fail("TypeError: map requires a filter argument");
  const std::string name = str_of(args.positional[0]);
  FilterFn fn = find_filter(name);
  if (!fn) r.fail("TemplateRuntimeError: No filter named '" + name + "'");
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const auto& item : iterate(in)) {
    CallArgs a = rest;
    out.push_back(fn(r, item, a));
  }
  return Value(std::move(out));
}

// Sort key with Jinja's case folding: strings compare lowercased unless case_sensitive.
Value sort_key(Renderer& r, const Value& item, const std::optional<std::string>& attribute,
               bool case_sensitive) {
  Value v = attribute ? lookup_path(r, item, *attribute) : item;
  if (!case_sensitive && v.is_string()) return Value(text::py_lower(v.as_string()));
  return v;
}

Value f_unique(Renderer& r, const Value& in, CallArgs& args) {
  const bool case_sensitive = bool_arg(args, 0, "case_sensitive", false);
  const auto attribute = str_arg(args, 1, "attribute");
  ValueList out, seen;
  for (const auto& item : iterate(in)) {
    Value key = sort_key(r, item, attribute, case_sensitive);
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return values_equal(s, key); }))
      continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value(std::move(out));
}

Value f_reverse(Renderer&, const Value& in, CallArgs&) {
  if (in.is_string()) {
    auto cps = text::to_code_points(in.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value(text::from_code_points(cps, 0, cps.size()));
  }
  ValueList items = iterate(in);
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

void sort_by_keys(Renderer& r, ValueList& items, const std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reverse ? compare_values(keys[b], keys[a], "<") < 0
                   : compare_values(keys[a], keys[b], "<") < 0;
  });
  ValueList sorted;
  sorted.reserve(items.size());
  for (size_t i : order) sorted.push_back(items[i]);
  items = std::move(sorted);
  (void)r;
}

Value f_sort(Renderer& r, const Value& in, CallArgs& args) {
  const bool reverse = bool_arg(args, 0, "reverse", false);
  const bool case_sensitive = bool_arg(args, 1, "case_sensitive", false);
  const auto attribute = str_arg(args, 2, "attribute");
  ValueList items = iterate(in);
  std::vector<Value> keys;
  for (const auto& item : items) keys.push_back(sort_key(r, item, attribute, case_sensitive));
  sort_by_keys(r, items, keys, reverse);
  return Value(std::move(items));
}

Value f_dictsort(Renderer& r, const Value& in, CallArgs& args) {
  const bool case_sensitive = bool_arg(args, 0, "case_sensitive", false);
  const std::string by = str_arg(args, 1, "by").value_or("key");
  const bool reverse = bool_arg(args, 2, "reverse", false);
  if (!in.is_map()) r.fail("TypeError: dictsort needs a mapping");
  ValueList items;
  std::vector<Value> keys;
  for (const auto& [k, v] : in.as_map()) {
    items.push_back(Value::tuple({Value(k), v}));
    Value key = by == "key" ? Value(k) : v;
    if (!case_sensitive && key.is_string()) key = Value(text::py_lower(key.as_string()));
    keys.push_back(key);
  }
  sort_by_keys(r, items, keys, reverse);
  return Value(std::move(items));
}

Value f_indent(Renderer& r, const Value& in, CallArgs& args) {
  std::string indentation = "    ";
  if (const Value* w = args.get(0, "width")) {
    if (w->is_string())
      indentation = w->as_string();
    else if (w->is_int()) {
      r.check_size(static_cast<size_t>(std::max<int64_t>(0, w->as_int())), "indent()");
      indentation = std::string(static_cast<size_t>(std::max<int64_t>(0, w->as_int())), ' ');
    }
  }
  const bool first = bool_arg(args, 1, "first", false);
  const bool blank = bool_arg(args, 2, "blank", false);
  const std::string text = str_of(in);
  const auto lines = text::py_splitlines(text + "\n");
  r.check_size(text.size() + lines.size() * indentation.size(), "indent()");
  std::string out;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) out += "\n" + indentation;
      out += lines[i];
    }
  } else {
    out = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      out += "\n";
      if (!lines[i].empty()) out += indentation;
      out += lines[i];
    }
  }
  if (first) out = indentation + out;
  return Value(std::move(out));
}

Value f_safe(Renderer&, const Value& in, CallArgs&) { return Value(str_of(in)); }

Value f_abs(Renderer& r, const Value& in, CallArgs&) {
  if (in.is_int() || in.is_bool()) {
    const int64_t v = in.is_bool() ? in.as_bool() : in.as_int();
    return v < 0 ? negate(Value(v)) : Value(v);
  }
  if (in.is_float()) return Value(std::fabs(in.as_float()));
  if (in.is_big_int()) {
    const auto& d = in.big_int_digits();
    return Value::big_int(d[0] == '-' ? d.substr(1) : d);
  }
  r.fail("TypeError: bad operand type for abs(): '" + in.python_type_name() + "'");
}

// Python round(x, n): correctly rounded, ties to even on the exact binary value, which is
// what glibc's printf does.
double python_round(double x, int64_t digits) {
  if (!std::isfinite(x)) return x;
  if (digits > 300) return x;
  if (digits < 0) {
    const double p = std::pow(10.0, static_cast<double>(-digits));
    const double y = x / p;
    double z = std::nearbyint(y);
    return z * p;
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
  return std::strtod(buf, nullptr);
}

Value f_round(Renderer& r, const Value& in, CallArgs& args) {
  const int64_t precision = int_arg(r, args, 0, "precision", 0);
  const std::string method = str_arg(args, 1, "method").value_or("common");
  if (method != "common" && method != "ceil" && method != "floor")
    r.fail("FilterArgumentError: method must be common, ceil or floor");
  if (!(in.is_number() || in.is_bool()))
    r.fail("TypeError: type " + in.python_type_name() + " doesn't define __round__ method");
  if (method == "common") {
    if (in.is_integer() || in.is_bool()) return in.is_bool() ? Value(int64_t{in.as_bool()}) : in;
    return Value(python_round(in.as_float(), precision));
  }
  const double p = std::pow(10.0, static_cast<double>(precision));
  const double x = in.to_double() * p;
  return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / p);
}

Value f_sum(Renderer& r, const Value& in, CallArgs& args) {
  const auto attribute = str_arg(args, 0, "attribute");
  Value total = arg_or(args, 1, "start", Value(int64_t{0}));
  for (const auto& item : iterate(in))
    total = binary_op(BinaryOp::kAdd, total, attribute ? lookup_path(r, item, *attribute) : item);
  return total;
}

Value min_max(Renderer& r, const Value& in, CallArgs& args, bool want_max) {
  const bool case_sensitive = bool_arg(args, 0, "case_sensitive", false);
  const auto attribute = str_arg(args, 1, "attribute");
  ValueList items = iterate(in);
  if (items.empty()) return make_undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  Value best_key = sort_key(r, items[0], attribute, case_sensitive);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = sort_key(r, items[i], attribute, case_sensitive);
    const int c = compare_values(k, best_key, want_max ? ">" : "<");
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = k;
    }
  }
  return items[best];
}
Value f_min(Renderer& r, const Value& in, CallArgs& a) { return min_max(r, in, a, false); }
Value f_max(Renderer& r, const Value& in, CallArgs& a) { return min_max(r, in, a, true); }

Value f_batch(Renderer& r, const Value& in, CallArgs& args) {
  const int64_t size = int_arg(r, args, 0, "linecount", 1);
  if (size <= 0) r.fail("ValueError: batch size must be positive");
  const Value* fill = args.get(1, "fill_with");
  ValueList out, cur;
  for (const auto& item : iterate(in)) {
    cur.push_back(item);
    if (static_cast<int64_t>(cur.size()) == size) {
      out.push_back(Value(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (fill && !fill->is_null())
      while (static_cast<int64_t>(cur.size()) < size) cur.push_back(*fill);
    out.push_back(Value(std::move(cur)));
  }
  return Value(std::move(out));
}

Value f_slice(Renderer& r, const Value& in, CallArgs& args) {
  const int64_t slices = int_arg(r, args, 0, "slices", 1);
  if (slices <= 0) r.fail("ValueError: slices must be positive");
  const Value* fill = args.get(1, "fill_with");
  ValueList seq = iterate(in);
  const int64_t length = static_cast<int64_t>(seq.size());
  const int64_t per = length / slices, extra = length % slices;
  int64_t offset = 0;
  ValueList out;
  for (int64_t i = 0; i < slices; ++i) {
    const int64_t start = offset + i * per;
    if (i < extra) ++offset;
    const int64_t end = offset + (i + 1) * per;
    ValueList part(seq.begin() + start, seq.begin() + end);
    if (fill && !fill->is_null() && i >= extra) part.push_back(*fill);
    out.push_back(Value(std::move(part)));
  }
  return Value(std::move(out));
}

bool is_word_char(uint32_t cp) {
  if (cp == '_') return true;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

Value f_wordcount(Renderer&, const Value& in, CallArgs&) {
  int64_t count = 0;
  bool in_word = false;
  for (uint32_t cp : text::to_code_points(str_of(in))) {
    const bool w = is_word_char(cp);
    if (w && !in_word) ++count;
    in_word = w;
  }
  return Value(count);
}

Value f_truncate(Renderer& r, const Value& in, CallArgs& args) {
  const auto cps = text::to_code_points(str_of(in));
  const int64_t length = int_arg(r, args, 0, "length", 255);
  const bool killwords = bool_arg(args, 1, "killwords", false);
  const std::string end = str_arg(args, 2, "end").value_or("...");
  const int64_t leeway = args.get(3, "leeway") && !args.get(3, "leeway")->is_null()
                             ? int_arg(r, args, 3, "leeway", 5)
                             : 5;
  const auto end_len = static_cast<int64_t>(text::code_point_count(end));
  if (length < end_len)
    r.fail("AssertionError: expected length >= " + std::to_string(end_len) + ", got " +
           std::to_string(length));
  if (static_cast<int64_t>(cps.size()) <= length + leeway)
    return Value(text::from_code_points(cps, 0, cps.size()));
  std::string head = text::from_code_points(cps, 0, static_cast<size_t>(length - end_len));
  if (killwords) return Value(head + end);
  const size_t space = head.rfind(' ');
  if (space != std::string::npos) head.resize(space);
  return Value(head + end);
}

Value f_format(Renderer& r, const Value& in, CallArgs& args) {
  if (!args.keyword.empty()) {
    ValueMap kw;
    for (const auto& [k, v] : args.keyword) kw.set(k, v);
    return Value(python_percent_format(r, str_of(in), Value(std::move(kw))));
  }
  return Value(python_percent_format(r, str_of(in), Value::tuple(args.positional)));
}

Value f_center(Renderer& r, const Value& in, CallArgs& args) {
  const int64_t width = int_arg(r, args, 0, "width", 80);
  r.check_size(static_cast<size_t>(std::max<int64_t>(0, width)), "center()");
  return Value(text::py_center(str_of(in), width));
}

std::string html_unescape_basic(const std::string& s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},   {"&quot;", "\""},
      {"&#39;", "'"}, {"&#34;", "\""}, {"&apos;", "'"}, {"&nbsp;", "\xC2\xA0"}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool matched = false;
    if (s[i] == '&') {
      for (const auto& [name, rep] : kEntities) {
        const size_t n = std::char_traits<char>::length(name);
        if (s.compare(i, n, name) == 0) {
          out += rep;
          i += n;
          matched = true;
          break;
        }
      }
    }
    if (!matched) out += s[i++];
  }
  return out;
}

Value f_striptags(Renderer&, const Value& in, CallArgs&) {
  std::string v = str_of(in);
  for (const auto& [open, close] :
       {std::pair<std::string, std::string>{"<!--", "-->"}, {"<", ">"}}) {
    while (true) {
      const size_t start = v.find(open);
      if (start == std::string::npos) break;
      const size_t end = v.find(close, start);
      if (end == std::string::npos) break;
      v = v.substr(0, start) + v.substr(end + close.size());
    }
  }
  const auto words = text::py_split(v, std::nullopt, -1);
  std::string joined;
  for (size_t i = 0; i < words.size(); ++i) joined += (i ? " " : "") + words[i];
  return Value(html_unescape_basic(joined));
}

Value f_escape(Renderer&, const Value& in, CallArgs&) {
  std::string out;
  for (char c : str_of(in)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return Value(std::move(out));
}

Value f_attr(Renderer& r, const Value& in, CallArgs& args) {
  const Value* name = args.get(0, "name");
  if (!name) r.fail("TypeError: attr needs a name");
  return r.getattr(in, str_of(*name));
}

Value f_pprint(Renderer&, const Value& in, CallArgs&) { return Value(python_repr(in)); }

// The parts of a printf-style conversion spec ("%-08.3") that size its output.
struct PercentSpec {
  bool left = false;
  int64_t width = 0;
  int64_t precision = -1;
};

PercentSpec parse_percent_spec(Renderer& r, const std::string& spec) {
  PercentSpec p;
  size_t i = 1;
  for (; i < spec.size() && std::string_view("-+ #0").find(spec[i]) != std::string_view::npos; ++i)
    p.left = p.left || spec[i] == '-';
  auto number = [&] {
    int64_t n = 0;
    for (; i < spec.size() && spec[i] >= '0' && spec[i] <= '9'; ++i) {
      n = n * 10 + (spec[i] - '0');
      // Checked before any allocation: `%99999999999d` must not reach printf.
      r.check_size(static_cast<size_t>(n), "a % format width or precision");
    }
    return n;
  };
  p.width = number();
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    p.precision = number();
  }
  if (i != spec.size()) r.fail("ValueError: unsupported format character '" + spec.substr(i) + "'");
  return p;
}

// Bytes of the first `chars` characters of `s`, and how many characters that is.
size_t utf8_prefix_bytes(const std::string& s, int64_t chars, int64_t& counted) {
  size_t i = 0;
  for (counted = 0; i < s.size() && counted < chars; ++counted) {
    size_t len = 1;
    decode_utf8_at(s, i, len);
    i += len;
  }
  return i;
}

// `%s` pads and truncates by characters, as Python does (printf counts bytes and stops at NUL).
void append_percent_s(std::string& out, const std::string& s, const PercentSpec& p) {
  int64_t chars = 0;
  const int64_t limit = p.precision >= 0 ? p.precision : INT64_MAX;
  const size_t bytes = utf8_prefix_bytes(s, limit, chars);
  const size_t pad = p.width > chars ? static_cast<size_t>(p.width - chars) : 0;
  if (!p.left) out.append(pad, ' ');
  out.append(s, 0, bytes);
  if (p.left) out.append(pad, ' ');
}

// printf into the output at the exact size; the spec's numbers were checked by
// parse_percent_spec, so the result stays within the value budget.
template <typename T>
void append_printf(std::string& out, const std::string& format, T value) {
  const int n = std::snprintf(nullptr, 0, format.c_str(), value);
  if (n <= 0) return;
  const size_t old = out.size();
  out.resize(old + static_cast<size_t>(n) + 1);
  std::snprintf(out.data() + old, static_cast<size_t>(n) + 1, format.c_str(), value);
  out.resize(old + static_cast<size_t>(n));
}

}  // namespace

std::string python_percent_format(Renderer& r, const std::string& format, const Value& args) {
  ValueList positional;
  const ValueMap* mapping = nullptr;
  if (args.is_tuple())
    positional = args.as_list();
  else if (args.is_map())
    mapping = &args.as_map();
  else
    positional.push_back(args);
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    if (++i >= format.size()) r.fail("ValueError: incomplete format");
    Value arg;
    bool have_arg = false;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string::npos || !mapping) r.fail("TypeError: format requires a mapping");
      const Value* v = mapping->find(format.substr(i + 1, close - i - 1));
      if (!v) r.fail("KeyError: '" + format.substr(i + 1, close - i - 1) + "'");
      arg = *v;
      have_arg = true;
      i = close + 1;
    }
    std::string spec = "%";
    while (i < format.size() &&
           std::string_view("-+ #0123456789.").find(format[i]) != std::string_view::npos)
      spec += format[i++];
    if (i >= format.size()) r.fail("ValueError: incomplete format");
    const char conv = format[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!have_arg) {
      if (next >= positional.size()) r.fail("TypeError: not enough arguments for format string");
      arg = positional[next++];
    }
    const PercentSpec sizes = parse_percent_spec(r, spec);
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        append_percent_s(out, conv == 's' ? to_str(arg) : python_repr(arg), sizes);
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        if (!(arg.is_number() || arg.is_bool()))
          r.fail("TypeError: %" + std::string(1, conv) +
                 " format: a real number is required, not " + arg.python_type_name());
        const long long v = arg.is_float()  ? static_cast<long long>(arg.as_float())
                            : arg.is_bool() ? arg.as_bool()
                                            : static_cast<long long>(arg.as_int());
        append_printf(out, spec + "ll" + (conv == 'i' ? 'd' : conv), v);
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!(arg.is_number() || arg.is_bool()))
          r.fail("TypeError: must be real number, not " + arg.python_type_name());
        append_printf(out, spec + conv, arg.to_double());
        break;
      }
      default:
        r.fail(std::string("ValueError: unsupported format character '") + conv + "'");
    }
  }
  if (!mapping && next < positional.size() && args.is_tuple())
    r.fail("TypeError: not all arguments converted during string formatting");
  return out;
}

FilterFn find_filter(std::string_view name) {
  static const std::unordered_map<std::string_view, FilterFn> kFilters = {
      {"tojson", f_tojson},
      {"trim", f_trim},
      {"upper", f_upper},
      {"lower", f_lower},
      {"title", f_title},
      {"capitalize", f_capitalize},
      {"length", f_length},
      {"count", f_length},
      {"first", f_first},
      {"last", f_last},
      {"join", f_join},
      {"replace", f_replace},
      {"default", f_default},
      {"d", f_default},
      {"list", f_list},
      {"string", f_string},
      {"int", f_int},
      {"float", f_float},
      {"items", f_items},
      {"selectattr", f_selectattr},
      {"rejectattr", f_rejectattr},
      {"select", f_select},
      {"reject", f_reject},
      {"map", f_map},
      {"unique", f_unique},
      {"reverse", f_reverse},
      {"sort", f_sort},
      {"dictsort", f_dictsort},
      {"indent", f_indent},
      {"safe", f_safe},
      {"abs", f_abs},
      {"round", f_round},
      {"sum", f_sum},
      {"min", f_min},
      {"max", f_max},
      {"batch", f_batch},
      {"slice", f_slice},
      {"wordcount", f_wordcount},
      {"truncate", f_truncate},
      {"format", f_format},
      {"center", f_center},
      {"striptags", f_striptags},
      {"escape", f_escape},
      {"e", f_escape},
      {"forceescape", f_escape},
      {"attr", f_attr},
      {"pprint", f_pprint},
  };
  auto it = kFilters.find(name);
  return it == kFilters.end() ? nullptr : it->second;
}

}  // namespace instill::jinja
