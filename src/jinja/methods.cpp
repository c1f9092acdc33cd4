// Methods of Python's str, dict and list that templates call (`s.strip()`, `d.items()`),
// and the sandbox's list of mutating methods, which ImmutableSandboxedEnvironment refuses.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "core/python_repr.hpp"
#include "core/utf8.hpp"
#include "jinja/arguments.hpp"
#include "jinja/builtins.hpp"
#include "text/python_str.hpp"

namespace instill::jinja {
namespace {

using Method = BoundMethod::Fn;

const std::string& self_str(const Value& self) { return self.as_string(); }

std::optional<std::string> sep_arg(Renderer& r, const CallArgs& args, size_t i, const char* name) {
  auto s = str_arg(args, i, name);
  if (s && s->empty()) r.fail("ValueError: empty separator");
  return s;
}

Value strings_to_list(std::vector<std::string> parts) {
  ValueList out;
  out.reserve(parts.size());
  for (auto& p : parts) out.emplace_back(std::move(p));
  return Value(std::move(out));
}

Value m_strip(Renderer&, const Value& s, CallArgs& a) {
  return Value(text::py_strip(self_str(s), str_arg(a, 0, "chars"), true, true));
}
Value m_lstrip(Renderer&, const Value& s, CallArgs& a) {
  return Value(text::py_strip(self_str(s), str_arg(a, 0, "chars"), true, false));
}
Value m_rstrip(Renderer&, const Value& s, CallArgs& a) {
  return Value(text::py_strip(self_str(s), str_arg(a, 0, "chars"), false, true));
}
Value m_split(Renderer& r, const Value& s, CallArgs& a) {
  return strings_to_list(
      text::py_split(self_str(s), sep_arg(r, a, 0, "sep"), int_arg(r, a, 1, "maxsplit", -1)));
}
Value m_rsplit(Renderer& r, const Value& s, CallArgs& a) {
  return strings_to_list(
      text::py_rsplit(self_str(s), sep_arg(r, a, 0, "sep"), int_arg(r, a, 1, "maxsplit", -1)));
}
Value m_splitlines(Renderer&, const Value& s, CallArgs&) {
  return strings_to_list(text::py_splitlines(self_str(s)));
}

template <bool kStarts>
Value m_affix(Renderer& r, const Value& s, CallArgs& a) {
  const Value* p = a.get(0, "prefix");
  if (!p) r.fail("TypeError: startswith/endswith takes at least 1 argument");
  const std::string& str = self_str(s);
  auto test = [&](const Value& v) {
    if (!v.is_string())
      r.fail("TypeError: startswith/endswith first arg must be str or a tuple of str");
    const std::string& x = v.as_string();
    if (x.size() > str.size()) return false;
    return kStarts ? str.compare(0, x.size(), x) == 0
                   : str.compare(str.size() - x.size(), x.size(), x) == 0;
  };
  if (p->is_tuple()) {
    for (const auto& v : p->as_list())
      if (test(v)) return Value(true);
    return Value(false);
  }
  return Value(test(*p));
}

Value m_replace(Renderer& r, const Value& s, CallArgs& a) {
  FilterFn f = find_filter("replace");
  return f(r, s, a);
}
Value m_upper(Renderer&, const Value& s, CallArgs&) { return Value(text::py_upper(self_str(s))); }
Value m_lower(Renderer&, const Value& s, CallArgs&) { return Value(text::py_lower(self_str(s))); }
Value m_title(Renderer&, const Value& s, CallArgs&) { return Value(text::py_title(self_str(s))); }
Value m_capitalize(Renderer&, const Value& s, CallArgs&) {
  return Value(text::py_capitalize(self_str(s)));
}
Value m_swapcase(Renderer&, const Value& s, CallArgs&) {
  return Value(text::py_swapcase(self_str(s)));
}

Value find_impl(Renderer& r, const Value& s, CallArgs& a, bool reverse) {
  const Value* sub = a.get(0, "sub");
  if (!sub || !sub->is_string()) r.fail("TypeError: find() argument must be str");
  const std::string& str = self_str(s);
  const size_t at = reverse ? str.rfind(sub->as_string()) : str.find(sub->as_string());
  if (at == std::string::npos) return Value(int64_t{-1});
  return Value(static_cast<int64_t>(text::code_point_count(std::string_view(str).substr(0, at))));
}
Value m_find(Renderer& r, const Value& s, CallArgs& a) { return find_impl(r, s, a, false); }
Value m_rfind(Renderer& r, const Value& s, CallArgs& a) { return find_impl(r, s, a, true); }

Value m_str_count(Renderer& r, const Value& s, CallArgs& a) {
  const Value* sub = a.get(0, "sub");
  if (!sub || !sub->is_string()) r.fail("TypeError: count() argument must be str");
  const std::string& str = self_str(s);
  const std::string& x = sub->as_string();
  if (x.empty()) return Value(static_cast<int64_t>(text::code_point_count(str) + 1));
  int64_t n = 0;
  for (size_t at = str.find(x); at != std::string::npos; at = str.find(x, at + x.size())) ++n;
  return Value(n);
}

Value m_join(Renderer& r, const Value& s, CallArgs& a) {
  const Value* items = a.get(0, "iterable");
  if (!items) r.fail("TypeError: join() takes exactly one argument");
  std::string out;
  bool first = true;
  for (const auto& v : iterate(*items)) {
    if (!v.is_string())
      r.fail("TypeError: sequence item: expected str instance, " + v.python_type_name() + " found");
    if (!first) out += self_str(s);
    first = false;
    out += v.as_string();
    r.check_size(out.size(), "join()");
  }
  return Value(std::move(out));
}

// Python's format-spec mini-language, the common part: [[fill]align][sign][0][width]
// [.precision][type] with types s d x X o f F e E g G %. Grouping (',' '_'), '#', '='
// alignment of strings and 'n'/'c'/'b' are refused with an error rather than guessed.
std::string apply_format_spec(Renderer& r, const Value& v, const std::string& spec) {
  size_t i = 0;
  std::string fill = " ";
  char align = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  size_t first_len = 1;
  if (!spec.empty()) decode_utf8_at(spec, 0, first_len);
  if (spec.size() > first_len && is_align(spec[first_len])) {
    fill = spec.substr(0, first_len);
    align = spec[first_len];
    i = first_len + 1;
  } else if (!spec.empty() && is_align(spec[0])) {
    align = spec[0];
    i = 1;
  }
  char sign = '-';
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec[i++];
  if (i < spec.size() && spec[i] == '0') {
    if (!align) {
      fill = "0";
      align = '=';
    }
    ++i;
  }
  // Digits saturate just past the limits checked below, so a long run cannot overflow.
  auto number = [&] {
    size_t n = 0;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])))
      n = std::min<size_t>(n * 10 + static_cast<size_t>(spec[i++] - '0'), 1000000);
    return n;
  };
  const size_t width = number();
  int precision = -1;
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    precision = static_cast<int>(number());
  }
  char type = i < spec.size() ? spec[i++] : 0;
  if (i != spec.size() || width > 100000 || precision > 1000)
    r.fail("ValueError: unsupported format specifier '" + spec + "'");
  std::string body, prefix;
  const bool numeric = v.is_number() || v.is_bool();
  if (!numeric && !v.is_string())
    r.fail("TypeError: unsupported format string passed to " +
           (is_undefined(v) ? std::string("Undefined") : v.python_type_name()) + ".__format__");
  if (!numeric || type == 's') {
    if (type && type != 's')
      r.fail("ValueError: Unknown format code '" + std::string(1, type) + "' for object of type '" +
             v.python_type_name() + "'");
    if (align == '=' || sign != '-') r.fail("ValueError: invalid format specifier for a string");
    body = to_str(v);
    if (precision >= 0) {
      const auto cps = text::to_code_points(body);
      body = text::from_code_points(cps, 0, static_cast<size_t>(precision));
    }
    if (!align) align = '<';
  } else {
    char buf[1200];
    const bool is_int = !v.is_float();
    if (!type && is_int) type = 'd';
    if (is_int && (type == 'd' || type == 'x' || type == 'X' || type == 'o')) {
      if (precision >= 0) r.fail("ValueError: Precision not allowed in integer format specifier");
      if (v.is_big_int()) r.fail("ValueError: format of integers beyond 64 bits is not supported");
      const long long n = v.is_bool() ? v.as_bool() : static_cast<long long>(v.as_int());
      const unsigned long long mag =
          n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
      std::snprintf(buf, sizeof buf,
                    type == 'd'   ? "%llu"
                    : type == 'x' ? "%llx"
                    : type == 'X' ? "%llX"
                                  : "%llo",
                    mag);
      body = buf;
      if (n < 0) prefix = "-";
    } else if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' ||
               type == 'G' || type == '%' || !type) {
      double d = v.to_double();
      if (!type) {
        if (precision < 0) {
          body = python_float_repr(std::fabs(d));
        } else {
          std::snprintf(buf, sizeof buf, "%.*g", precision == 0 ? 1 : precision, std::fabs(d));
          body = buf;
        }
      } else {
        if (type == '%') d *= 100;
        const char conv = type == '%' ? 'f' : type;
        std::snprintf(buf, sizeof buf, (std::string("%.*") + conv).c_str(),
                      precision < 0 ? 6 : precision, std::fabs(d));
        body = buf;
        if (type == '%') body += '%';
      }
      if (std::signbit(d) && !std::isnan(d)) prefix = "-";
    } else {
      r.fail("ValueError: unsupported format code '" + std::string(1, type) + "'");
    }
    if (prefix.empty() && sign == '+') prefix = "+";
    if (prefix.empty() && sign == ' ') prefix = " ";
    if (!align) align = '>';
  }
  const size_t len = text::code_point_count(prefix) + text::code_point_count(body);
  const size_t pad = width > len ? width - len : 0;
  auto repeat_fill = [&](size_t n) {
    std::string f;
    for (size_t k = 0; k < n; ++k) f += fill;
    return f;
  };
  switch (align) {
    case '<':
      return prefix + body + repeat_fill(pad);
    case '^':
      return repeat_fill(pad / 2) + prefix + body + repeat_fill(pad - pad / 2);
    case '=':
      return prefix + repeat_fill(pad) + body;
    default:
      return repeat_fill(pad) + prefix + body;
  }
}

// str.format: {} {0} {name} {name.attr} {0[1]}, !r/!s conversions, common format specs.
Value m_format(Renderer& r, const Value& s, CallArgs& a) {
  const std::string& f = self_str(s);
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      r.fail("ValueError: Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = f.find('}', i);
    if (close == std::string::npos) r.fail("ValueError: Single '{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    char conversion = 0;
    std::string spec;
    if (auto colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    if (auto bang = field.find('!'); bang != std::string::npos) {
      conversion = bang + 1 < field.size() ? field[bang + 1] : 0;
      field.resize(bang);
    }
    size_t end = field.find_first_of(".[");
    const std::string head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (auto_index >= a.positional.size()) r.fail("IndexError: Replacement index out of range");
      v = a.positional[auto_index++];
    } else if (std::all_of(head.begin(), head.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      const size_t idx = std::stoul(head);
      if (idx >= a.positional.size()) r.fail("IndexError: Replacement index out of range");
      v = a.positional[idx];
    } else {
      const Value* kw = a.get_keyword(head);
      if (!kw) r.fail("KeyError: '" + head + "'");
      v = *kw;
    }
    while (end != std::string::npos && end < field.size()) {
      if (field[end] == '.') {
        const size_t next = field.find_first_of(".[", end + 1);
        v = r.getattr(v, field.substr(end + 1, next == std::string::npos ? std::string::npos
                                                                         : next - end - 1));
        end = next;
      } else {
        const size_t rb = field.find(']', end);
        const std::string key = field.substr(end + 1, rb - end - 1);
        const bool digits = !key.empty() && std::all_of(key.begin(), key.end(), [](char d) {
          return d >= '0' && d <= '9';
        });
        v = r.getitem(v, digits ? Value::integer_from_decimal(key) : Value(key));
        end = rb == std::string::npos ? rb : rb + 1;
        if (end >= field.size()) end = std::string::npos;
      }
    }
    if (conversion == 'r') v = Value(python_repr(v));
    if (conversion == 's') v = Value(to_str(v));
    out += spec.empty() ? to_str(v) : apply_format_spec(r, v, spec);
  }
  return Value(std::move(out));
}

template <bool (*Pred)(uint32_t)>
Value m_is(Renderer&, const Value& s, CallArgs&) {
  const auto cps = text::to_code_points(self_str(s));
  if (cps.empty()) return Value(false);
  for (uint32_t cp : cps)
    if (!Pred(cp)) return Value(false);
  return Value(true);
}
bool is_digit_cp(uint32_t cp) { return cp >= '0' && cp <= '9'; }
bool is_space_cp(uint32_t cp) { return text::py_isspace(cp); }
bool is_alpha_cp(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp >= 0x80;
}
bool is_alnum_cp(uint32_t cp) { return is_alpha_cp(cp) || is_digit_cp(cp); }

Value m_center(Renderer& r, const Value& s, CallArgs& a) {
  const int64_t width = int_arg(r, a, 0, "width", 0);
  r.check_size(static_cast<size_t>(std::max<int64_t>(0, width)), "center()");
  return Value(text::py_center(self_str(s), width));
}

// ---- dict ----
Value m_items(Renderer&, const Value& d, CallArgs&) {
  ValueList out;
  for (const auto& [k, v] : d.as_map()) out.push_back(Value::tuple({Value(k), v}));
  return Value(std::move(out));
}
Value m_keys(Renderer&, const Value& d, CallArgs&) {
  ValueList out;
  for (const auto& [k, v] : d.as_map()) out.emplace_back(k);
  return Value(std::move(out));
}
Value m_values(Renderer&, const Value& d, CallArgs&) {
  ValueList out;
  for (const auto& [k, v] : d.as_map()) out.push_back(v);
  return Value(std::move(out));
}
Value m_get(Renderer& r, const Value& d, CallArgs& a) {
  const Value* key = a.get(0, "key");
  if (!key) r.fail("TypeError: get expected at least 1 argument, got 0");
  if (key->is_string())
    if (const Value* v = d.as_map().find(key->as_string())) return *v;
  return arg_or(a, 1, "default", Value());
}
Value m_copy(Renderer&, const Value& d, CallArgs&) {
  if (d.is_map()) return Value(ValueMap(d.as_map()));
  return Value(ValueList(d.as_list()));
}

// ---- list ----
Value m_index(Renderer& r, const Value& l, CallArgs& a) {
  const Value* x = a.get(0, "value");
  if (!x) r.fail("TypeError: index expected at least 1 argument, got 0");
  if (l.is_string()) {
    Value f = find_impl(r, l, a, false);
    if (f.as_int() < 0) r.fail("ValueError: substring not found");
    return f;
  }
  const auto& items = l.as_list();
  for (size_t i = 0; i < items.size(); ++i)
    if (values_equal(items[i], *x)) return Value(static_cast<int64_t>(i));
  r.fail("ValueError: " + python_repr(*x) + " is not in list");
}
Value m_list_count(Renderer& r, const Value& l, CallArgs& a) {
  const Value* x = a.get(0, "value");
  if (!x) r.fail("TypeError: count() takes exactly one argument");
  int64_t n = 0;
  for (const auto& v : l.as_list()) n += values_equal(v, *x);
  return Value(n);
}

// list.pop and list.clear mutate, yet Jinja2's ImmutableSandboxedEnvironment allows them
// (its list of unsafe list methods is append, reverse, insert, sort, extend and remove).
// The list is shared with the caller, as in Python.
Value m_list_pop(Renderer& r, const Value& l, CallArgs& a) {
  auto& items = const_cast<ValueList&>(l.as_list());
  if (items.empty()) r.fail("IndexError: pop from empty list");
  int64_t i = int_arg(r, a, 0, "index", -1);
  const auto n = static_cast<int64_t>(items.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) r.fail("IndexError: pop index out of range");
  Value v = items[static_cast<size_t>(i)];
  items.erase(items.begin() + i);
  return v;
}
Value m_list_clear(Renderer&, const Value& l, CallArgs&) {
  const_cast<ValueList&>(l.as_list()).clear();
  return Value();
}

}  // namespace

bool is_dict_attribute_name(std::string_view name) {
  static constexpr std::string_view kNames[] = {"clear",      "copy",   "fromkeys", "get",
                                                "items",      "keys",   "pop",      "popitem",
                                                "setdefault", "update", "values"};
  if (name.size() < 3 || name.size() > 10) return false;
  switch (name[0]) {
    case 'c':
    case 'f':
    case 'g':
    case 'i':
    case 'k':
    case 'p':
    case 's':
    case 'u':
    case 'v':
      break;
    default:
      return false;
  }
  for (auto n : kNames)
    if (n == name) return true;
  return false;
}

Value find_method(const Value& object, const std::string& name, bool& unsafe) {
  static const std::unordered_map<std::string_view, Method> kStr = {
      {"strip", m_strip},
      {"lstrip", m_lstrip},
      {"rstrip", m_rstrip},
      {"split", m_split},
      {"rsplit", m_rsplit},
      {"splitlines", m_splitlines},
      {"startswith", m_affix<true>},
      {"endswith", m_affix<false>},
      {"replace", m_replace},
      {"upper", m_upper},
      {"lower", m_lower},
      {"title", m_title},
      {"capitalize", m_capitalize},
      {"swapcase", m_swapcase},
      {"find", m_find},
      {"rfind", m_rfind},
      {"count", m_str_count},
      {"format", m_format},
      {"join", m_join},
      {"index", m_index},
      {"center", m_center},
      {"isdigit", m_is<is_digit_cp>},
      {"isspace", m_is<is_space_cp>},
      {"isalpha", m_is<is_alpha_cp>},
      {"isalnum", m_is<is_alnum_cp>},
  };
  static const std::unordered_map<std::string_view, Method> kDict = {
      {"items", m_items}, {"keys", m_keys}, {"values", m_values}, {"get", m_get}, {"copy", m_copy}};
  static const std::unordered_map<std::string_view, Method> kList = {
      {"index", m_index}, {"count", m_list_count}, {"copy", m_copy}};
  static const std::unordered_map<std::string_view, Method> kMutableList = {
      {"index", m_index},
      {"count", m_list_count},
      {"copy", m_copy},
      {"pop", m_list_pop},
      {"clear", m_list_clear}};
  static const std::unordered_set<std::string_view> kDictMutating = {"clear", "pop", "popitem",
                                                                     "setdefault", "update"};
  static const std::unordered_set<std::string_view> kListMutating = {"append", "extend",  "insert",
                                                                     "remove", "reverse", "sort"};
  const std::unordered_map<std::string_view, Method>* table = nullptr;
  if (object.is_string()) {
    table = &kStr;
  } else if (object.is_map()) {
    if (kDictMutating.count(name)) {
      unsafe = true;
      return Value();
    }
    table = &kDict;
  } else if (object.is_list()) {
    if (kListMutating.count(name)) {
      unsafe = true;
      return Value();
    }
    table = &kMutableList;
  } else if (object.is_tuple()) {
    table = &kList;
    if (name == "copy") return Value();
  } else {
    return Value();
  }
  auto it = table->find(name);
  if (it == table->end()) return Value();
  return Value::object(std::make_shared<BoundMethod>(object, it->second));
}

}  // namespace instill::jinja
