// Global functions available to every template: Jinja2's range, namespace and dict, and
// transformers' raise_exception and strftime_now.
#include <ctime>

#include "jinja/arguments.hpp"
#include "jinja/builtins.hpp"

namespace instill::jinja {
namespace {

int64_t range_int(Renderer& r, const Value& v) {
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  r.fail("TypeError: '" + v.python_type_name() + "' object cannot be interpreted as an integer");
}

Value g_range(Renderer& r, CallArgs& args) {
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) r.fail("TypeError: range expected 1 to 3 arguments");
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = range_int(r, p[0]);
  } else {
    start = range_int(r, p[0]);
    stop = range_int(r, p[1]);
    if (p.size() == 3) step = range_int(r, p[2]);
  }
  if (step == 0) r.fail("ValueError: range() arg 3 must not be zero");
  int64_t count = 0;
  if (step > 0 && stop > start) count = (stop - start + step - 1) / step;
  if (step < 0 && stop < start) count = (start - stop - step - 1) / -step;
  if (count > r.limits().max_range_length)
    r.fail("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (" +
           std::to_string(r.limits().max_range_length) + ").");
  ValueList out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out.emplace_back(start + i * step);
  return Value(std::move(out));
}

Value g_namespace(Renderer& r, CallArgs& args) {
  auto ns = std::make_shared<NamespaceObject>();
  for (const auto& p : args.positional) {
    if (!p.is_map()) r.fail("TypeError: namespace() positional argument must be a mapping");
    for (const auto& [k, v] : p.as_map()) ns->attrs.set(k, v);
  }
  for (const auto& [k, v] : args.keyword) ns->attrs.set(k, v);
  return Value::object(ns);
}

Value g_dict(Renderer& r, CallArgs& args) {
  ValueMap out;
  for (const auto& p : args.positional) {
    if (!p.is_map()) r.fail("TypeError: dict() positional argument must be a mapping");
    for (const auto& [k, v] : p.as_map()) out.set(k, v);
  }
  for (const auto& [k, v] : args.keyword) out.set(k, v);
  return Value(std::move(out));
}

Value g_raise_exception(Renderer& r, CallArgs& args) {
  const Value* msg = args.get(0, "message");
  r.fail(msg ? to_str(*msg) : std::string("raise_exception() called"));
}

Value g_strftime_now(Renderer& r, CallArgs& args) {
  const auto fmt = str_arg(args, 0, "format");
  if (!fmt) r.fail("TypeError: strftime_now() needs a format");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[512];
  const size_t n = std::strftime(buf, sizeof buf, fmt->c_str(), &local);
  return Value(std::string(buf, n));
}

Value fn(const char* name, BuiltinFunction::Fn f) {
  return Value::object(std::make_shared<BuiltinFunction>(name, f));
}

}  // namespace

const ValueMap& builtin_globals() {
  static const ValueMap kGlobals = {
      {"range", fn("range", g_range)},
      {"namespace", fn("namespace", g_namespace)},
      {"dict", fn("dict", g_dict)},
      {"raise_exception", fn("raise_exception", g_raise_exception)},
      {"strftime_now", fn("strftime_now", g_strftime_now)},
  };
  return kGlobals;
}

}  // namespace instill::jinja
