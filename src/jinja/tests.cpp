// Jinja2's built-in tests (`x is defined`, `x is divisibleby 3`, ...).
#include <unordered_map>

#include "jinja/arguments.hpp"
#include "jinja/builtins.hpp"
#include "text/python_str.hpp"

namespace instill::jinja {
namespace {

const Value& operand(Renderer& r, const CallArgs& args, const char* test) {
  const Value* v = args.get(0, "other");
  if (!v) r.fail(std::string("TypeError: test '") + test + "' needs an argument");
  return *v;
}

bool t_defined(Renderer&, const Value& v, CallArgs&) { return !is_undefined(v); }
bool t_undefined(Renderer&, const Value& v, CallArgs&) { return is_undefined(v); }
bool t_none(Renderer&, const Value& v, CallArgs&) { return v.is_null(); }
bool t_string(Renderer&, const Value& v, CallArgs&) { return v.is_string(); }
bool t_number(Renderer&, const Value& v, CallArgs&) { return v.is_number() || v.is_bool(); }
bool t_integer(Renderer&, const Value& v, CallArgs&) { return v.is_integer(); }
bool t_float(Renderer&, const Value& v, CallArgs&) { return v.is_float(); }
bool t_boolean(Renderer&, const Value& v, CallArgs&) { return v.is_bool(); }
bool t_mapping(Renderer&, const Value& v, CallArgs&) { return v.is_map(); }
bool t_iterable(Renderer&, const Value& v, CallArgs&) {
  return v.is_string() || v.is_sequence() || v.is_map() || is_undefined(v);
}
bool t_sequence(Renderer&, const Value& v, CallArgs&) {
  return v.is_string() || v.is_sequence() || v.is_map() || is_undefined(v);
}
bool t_true(Renderer&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); }
bool t_false(Renderer&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }
// Jinja2's Undefined defines __call__ (to raise), so callable() is true for it.
bool t_callable(Renderer&, const Value& v, CallArgs&) {
  return v.object_as<Callable>() != nullptr || is_undefined(v);
}
bool t_eq(Renderer& r, const Value& v, CallArgs& a) { return values_equal(v, operand(r, a, "eq")); }
bool t_ne(Renderer& r, const Value& v, CallArgs& a) {
  return !values_equal(v, operand(r, a, "ne"));
}
bool t_lt(Renderer& r, const Value& v, CallArgs& a) {
  return compare_values(v, operand(r, a, "lt"), "<") < 0;
}
bool t_le(Renderer& r, const Value& v, CallArgs& a) {
  return compare_values(v, operand(r, a, "le"), "<=") <= 0;
}
bool t_gt(Renderer& r, const Value& v, CallArgs& a) {
  return compare_values(v, operand(r, a, "gt"), ">") > 0;
}
bool t_ge(Renderer& r, const Value& v, CallArgs& a) {
  return compare_values(v, operand(r, a, "ge"), ">=") >= 0;
}
bool t_in(Renderer& r, const Value& v, CallArgs& a) {
  const Value* seq = a.get(0, "seq");
  if (!seq) r.fail("TypeError: test 'in' needs an argument");
  return contains(*seq, v);
}

int64_t integer_operand(Renderer& r, const Value& v, const char* test) {
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  if (is_undefined(v)) r.fail("UndefinedError: " + v.object_as<UndefinedObject>()->hint);
  r.fail(std::string("TypeError: test '") + test + "' needs an integer, not " +
         v.python_type_name());
}

bool t_odd(Renderer& r, const Value& v, CallArgs&) { return integer_operand(r, v, "odd") % 2 != 0; }
bool t_even(Renderer& r, const Value& v, CallArgs&) {
  return integer_operand(r, v, "even") % 2 == 0;
}
bool t_divisibleby(Renderer& r, const Value& v, CallArgs& a) {
  const Value* n = a.get(0, "num");
  if (!n) r.fail("TypeError: test 'divisibleby' needs an argument");
  const int64_t d = integer_operand(r, *n, "divisibleby");
  if (d == 0) r.fail("ZeroDivisionError: integer division or modulo by zero");
  int64_t m = integer_operand(r, v, "divisibleby") % d;
  return m == 0;
}
bool t_lower(Renderer&, const Value& v, CallArgs&) { return text::py_is_lower(to_str(v)); }
bool t_upper(Renderer&, const Value& v, CallArgs&) { return text::py_is_upper(to_str(v)); }
bool t_sameas(Renderer& r, const Value& v, CallArgs& a) {
  const Value& o = operand(r, a, "sameas");
  if (v.is_null() || v.is_bool()) return v.type() == o.type() && values_equal(v, o);
  if (v.is_sequence() || v.is_map() || v.is_object()) return v.same_container(o);
  return false;
}
bool t_escaped(Renderer&, const Value&, CallArgs&) { return false; }
bool t_filter(Renderer&, const Value& v, CallArgs&) {
  return v.is_string() && find_filter(v.as_string());
}
bool t_test(Renderer&, const Value& v, CallArgs&) {
  return v.is_string() && find_test(v.as_string());
}

}  // namespace

TestFn find_test(std::string_view name) {
  static const std::unordered_map<std::string_view, TestFn> kTests = {
      {"defined", t_defined},
      {"undefined", t_undefined},
      {"none", t_none},
      {"string", t_string},
      {"number", t_number},
      {"integer", t_integer},
      {"float", t_float},
      {"boolean", t_boolean},
      {"mapping", t_mapping},
      {"iterable", t_iterable},
      {"sequence", t_sequence},
      {"true", t_true},
      {"false", t_false},
      {"callable", t_callable},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"==", t_eq},
      {"ne", t_ne},
      {"!=", t_ne},
      {"lt", t_lt},
      {"lessthan", t_lt},
      {"<", t_lt},
      {"le", t_le},
      {"<=", t_le},
      {"gt", t_gt},
      {"greaterthan", t_gt},
      {">", t_gt},
      {"ge", t_ge},
      {">=", t_ge},
      {"in", t_in},
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"lower", t_lower},
      {"upper", t_upper},
      {"sameas", t_sameas},
      {"escaped", t_escaped},
      {"filter", t_filter},
      {"test", t_test},
  };
  auto it = kTests.find(name);
  return it == kTests.end() ? nullptr : it->second;
}

}  // namespace instill::jinja
