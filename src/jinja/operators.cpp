// Python operator semantics for Values: arithmetic with int/float promotion, floor division
// and modulo signs, concatenation, comparisons, membership, truthiness and str().
#include <cmath>
#include <limits>
#include <optional>

#include "core/nesting_guard.hpp"
#include "core/python_repr.hpp"
#include "core/utf8.hpp"
#include "jinja/runtime.hpp"
#include "text/python_str.hpp"

namespace instill::jinja {
namespace {

// 128-bit intermediates make int64 overflow detection exact (Python ints never overflow).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

[[noreturn]] void type_error(const std::string& msg) { throw TemplateRuntimeError(msg); }

[[noreturn]] void undefined_error(const Value& v) {
  auto u = v.object_as<UndefinedObject>();
  if (u && u->unsafe) throw TemplateRuntimeError("SecurityError: " + u->hint);
  throw TemplateRuntimeError("UndefinedError: " + (u ? u->hint : std::string("undefined value")));
}

bool is_intlike(const Value& v) { return v.is_int() || v.is_bool(); }
int64_t intlike(const Value& v) { return v.is_bool() ? int64_t{v.as_bool()} : v.as_int(); }

Value from_int128(Int128 v) {
  if (v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max())
    return Value(static_cast<int64_t>(v));
  const bool neg = v < 0;
  UInt128 u = neg ? static_cast<UInt128>(-(v + 1)) + 1 : static_cast<UInt128>(v);
  std::string digits;
  while (u) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return Value::big_int((neg ? "-" : "") + digits);
}

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  type_error("TypeError: unsupported operand type(s) for " + std::string(op) + ": '" +
             a.python_type_name() + "' and '" + b.python_type_name() + "'");
}

double python_float_mod(double a, double b, double* floordiv_out) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, b);
  }
  double floordiv;
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, a / b);
  }
  if (floordiv_out) *floordiv_out = floordiv;
  return mod;
}

Value repeat(const Value& seq, int64_t n) {
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  ValueList items;
  for (int64_t i = 0; i < n; ++i)
    for (const auto& x : seq.as_list()) items.push_back(x);
  return seq.is_tuple() ? Value::tuple(std::move(items)) : Value(std::move(items));
}

}  // namespace

bool is_undefined(const Value& v) { return v.is_object() && v.object_as<UndefinedObject>(); }

Value make_undefined(std::string hint) {
  return Value::object(std::make_shared<UndefinedObject>(std::move(hint)));
}

std::string type_error_name(const Value& v) { return "'" + v.python_type_name() + "' object"; }

bool truthy(const Value& v) {
  using T = Value::Type;
  switch (v.type()) {
    case T::kNull:
      return false;
    case T::kBool:
      return v.as_bool();
    case T::kInt:
      return v.as_int() != 0;
    case T::kBigInt:
      return true;
    case T::kFloat:
      return v.as_float() != 0.0;
    case T::kString:
      return !v.as_string().empty();
    case T::kList:
    case T::kTuple:
      return !v.as_list().empty();
    case T::kMap:
      return !v.as_map().empty();
    case T::kObject:
      return !is_undefined(v);
  }
  return false;
}

void append_output(std::string& out, const Value& v) {
  if (v.is_string()) {
    out += v.as_string();
  } else if (v.is_object()) {
    if (is_undefined(v)) return;
    if (v.object_as<NamespaceObject>()) {
      out += "<Namespace " + python_repr(Value(v.object_as<NamespaceObject>()->attrs)) + ">";
      return;
    }
    append_python_str(out, v);
  } else {
    append_python_str(out, v);
  }
}

std::string to_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string s;
  append_output(s, v);
  return s;
}

Value negate(const Value& v) {
  if (is_intlike(v)) return from_int128(-static_cast<Int128>(intlike(v)));
  if (v.is_float()) return Value(-v.as_float());
  if (v.is_big_int()) {
    const auto& d = v.big_int_digits();
    return Value::big_int(d[0] == '-' ? d.substr(1) : "-" + d);
  }
  if (is_undefined(v)) undefined_error(v);
  type_error("TypeError: bad operand type for unary -: '" + v.python_type_name() + "'");
}

namespace {

const char* operator_symbol(BinaryOp op) {
  // In the order of BinaryOp's arithmetic members.
  static constexpr const char* kSymbols[] = {"+", "-", "*", "/", "//", "%", "** or pow()"};
  const auto i = static_cast<std::size_t>(op);
  return i < std::size(kSymbols) ? kSymbols[i] : "+";
}

// Exponentiation by squaring; results beyond ~2^120 are refused rather than computed with
// arbitrary precision.
Value int_power(Int128 x, Int128 y) {
  if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
  const Int128 limit = static_cast<Int128>(1) << 120;
  Int128 result = 1, base = x;
  auto too_big = [&](Int128 v) { return v > limit || v < -limit; };
  for (Int128 e = y; e > 0; e >>= 1) {
    if (e & 1) {
      result *= base;
      if (too_big(result)) type_error("OverflowError: integer power result too large");
    }
    if (e > 1) {
      if (too_big(base) || base * base > limit) {
        if (base == 0 || base == 1 || base == -1) continue;
        type_error("OverflowError: integer power result too large");
      }
      base *= base;
    }
  }
  return from_int128(result);
}

// Python's int arithmetic (floor division and modulo round toward negative infinity).
Value int_binary_op(BinaryOp op, Int128 x, Int128 y) {
  switch (op) {
    case BinaryOp::kAdd:
      return from_int128(x + y);
    case BinaryOp::kSub:
      return from_int128(x - y);
    case BinaryOp::kMul:
      return from_int128(x * y);
    case BinaryOp::kDiv:
      if (y == 0) type_error("ZeroDivisionError: division by zero");
      return Value(static_cast<double>(x) / static_cast<double>(y));
    case BinaryOp::kFloorDiv:
    case BinaryOp::kMod: {
      if (y == 0) type_error("ZeroDivisionError: integer division or modulo by zero");
      Int128 q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        m += y;
        q -= 1;
      }
      return from_int128(op == BinaryOp::kMod ? m : q);
    }
    default:
      return int_power(x, y);
  }
}

Value float_binary_op(BinaryOp op, const Value& a, const Value& b) {
  if ((a.is_big_int() || b.is_big_int()) && !a.is_float() && !b.is_float())
    type_error("OverflowError: arithmetic on integers beyond 64 bits is not supported");
  const double x = a.to_double(), y = b.to_double();
  switch (op) {
    case BinaryOp::kAdd:
      return Value(x + y);
    case BinaryOp::kSub:
      return Value(x - y);
    case BinaryOp::kMul:
      return Value(x * y);
    case BinaryOp::kDiv:
      if (y == 0) type_error("ZeroDivisionError: float division by zero");
      return Value(x / y);
    case BinaryOp::kFloorDiv:
    case BinaryOp::kMod: {
      if (y == 0) type_error("ZeroDivisionError: float modulo");
      double fd = 0;
      const double m = python_float_mod(x, y, &fd);
      return Value(op == BinaryOp::kMod ? m : fd);
    }
    default:
      return Value(std::pow(x, y));
  }
}

// + on strings, lists and tuples; * of a sequence by an int. nullopt: not such a case.
std::optional<Value> sequence_binary_op(BinaryOp op, const Value& a, const Value& b) {
  if (op == BinaryOp::kAdd) {
    if (a.is_string() && b.is_string()) {
      std::string s;
      s.reserve(a.as_string().size() + b.as_string().size());
      s += a.as_string();
      s += b.as_string();
      return Value(std::move(s));
    }
    if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
      ValueList items = a.as_list();
      for (const auto& x : b.as_list()) items.push_back(x);
      return a.is_tuple() ? Value::tuple(std::move(items)) : Value(std::move(items));
    }
    if (a.is_string())
      type_error("TypeError: can only concatenate str (not \"" + b.python_type_name() +
                 "\") to str");
    if (a.is_list())
      type_error("TypeError: can only concatenate list (not \"" + b.python_type_name() +
                 "\") to list");
  }
  if (op == BinaryOp::kMul) {
    if ((a.is_string() || a.is_sequence()) && is_intlike(b)) return repeat(a, intlike(b));
    if ((b.is_string() || b.is_sequence()) && is_intlike(a)) return repeat(b, intlike(a));
  }
  return std::nullopt;
}

}  // namespace

Value binary_op(BinaryOp op, const Value& a, const Value& b) {
  if (op == BinaryOp::kConcat) return Value(to_str(a) + to_str(b));
  if (is_undefined(a)) undefined_error(a);
  if (is_undefined(b)) undefined_error(b);
  const bool arithmetic = op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
                          op == BinaryOp::kDiv || op == BinaryOp::kFloorDiv ||
                          op == BinaryOp::kMod || op == BinaryOp::kPow;
  if (arithmetic && is_intlike(a) && is_intlike(b))
    return int_binary_op(op, intlike(a), intlike(b));
  const bool an = a.is_number() || a.is_bool(), bn = b.is_number() || b.is_bool();
  if (arithmetic && an && bn) return float_binary_op(op, a, b);
  if (auto v = sequence_binary_op(op, a, b)) return *v;
  unsupported(operator_symbol(op), a, b);
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_object() || b.is_object()) {
    if (is_undefined(a) || is_undefined(b)) return is_undefined(a) && is_undefined(b);
    return a.is_object() && b.is_object() && a.as_object() == b.as_object();
  }
  return a == b;
}

int compare_values(const Value& a, const Value& b, const char* op) {
  const bool an = a.is_number() || a.is_bool(), bn = b.is_number() || b.is_bool();
  if (an && bn) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) {
      const int64_t x = intlike(a), y = intlike(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const double x = a.to_double(), y = b.to_double();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
    const NestingGuard guard("comparing objects");
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (values_equal(x[i], y[i])) continue;
      return compare_values(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  if (is_undefined(a)) undefined_error(a);
  if (is_undefined(b)) undefined_error(b);
  type_error(std::string("TypeError: '") + op + "' not supported between instances of '" +
             a.python_type_name() + "' and '" + b.python_type_name() + "'");
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string())
      type_error("TypeError: 'in <string>' requires string as left operand, not " +
                 item.python_type_name());
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_sequence()) {
    for (const auto& x : container.as_list())
      if (values_equal(x, item)) return true;
    return false;
  }
  if (container.is_map()) {
    if (item.is_string()) return container.as_map().contains(item.as_string());
    if (item.is_list() || item.is_map())
      type_error("TypeError: unhashable type: '" + item.python_type_name() + "'");
    return false;
  }
  if (is_undefined(container)) return false;
  if (auto ns = container.object_as<NamespaceObject>()) {
    (void)ns;
  }
  type_error("TypeError: argument of type '" + container.python_type_name() + "' is not iterable");
}

int64_t length_of(const Value& v) {
  if (v.is_string()) return static_cast<int64_t>(text::code_point_count(v.as_string()));
  if (v.is_sequence()) return static_cast<int64_t>(v.as_list().size());
  if (v.is_map()) return static_cast<int64_t>(v.as_map().size());
  if (is_undefined(v)) return 0;
  type_error("TypeError: object of type '" + v.python_type_name() + "' has no len()");
}

ValueList iterate(const Value& v) {
  if (v.is_sequence()) return v.as_list();
  if (v.is_map()) {
    ValueList keys;
    keys.reserve(v.as_map().size());
    for (const auto& [k, _] : v.as_map()) keys.emplace_back(k);
    return keys;
  }
  if (v.is_string()) {
    ValueList chars;
    const std::string& s = v.as_string();
    for (size_t i = 0; i < s.size();) {
      size_t len = 1;
      decode_utf8_at(s, i, len);
      chars.emplace_back(s.substr(i, len));
      i += len;
    }
    return chars;
  }
  if (is_undefined(v)) {
    auto u = v.object_as<UndefinedObject>();
    if (u->unsafe) undefined_error(v);
    return {};
  }
  type_error("TypeError: '" + v.python_type_name() + "' object is not iterable");
}

}  // namespace instill::jinja
