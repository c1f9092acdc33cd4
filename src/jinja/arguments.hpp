#pragma once
// Helpers for reading Python-style (positional or keyword) arguments of filters, tests,
// methods and global functions.
#include <optional>
#include <string>

#include "jinja/runtime.hpp"

namespace instill::jinja {

inline Value arg_or(const CallArgs& args, size_t index, std::string_view name, Value fallback) {
  const Value* v = args.get(index, name);
  return v ? *v : std::move(fallback);
}

inline std::optional<Value> arg_opt(const CallArgs& args, size_t index, std::string_view name) {
  const Value* v = args.get(index, name);
  if (!v || v->is_null()) return std::nullopt;
  return *v;
}

inline int64_t int_arg(Renderer& r, const CallArgs& args, size_t index, std::string_view name,
                       int64_t fallback) {
  const Value* v = args.get(index, name);
  if (!v) return fallback;
  if (v->is_int()) return v->as_int();
  if (v->is_bool()) return v->as_bool();
  if (v->is_float()) return static_cast<int64_t>(v->as_float());
  r.fail("TypeError: '" + std::string(name) + "' must be an integer, not " + v->python_type_name());
}

inline bool bool_arg(const CallArgs& args, size_t index, std::string_view name, bool fallback) {
  const Value* v = args.get(index, name);
  return v ? truthy(*v) : fallback;
}

inline std::optional<std::string> str_arg(const CallArgs& args, size_t index,
                                          std::string_view name) {
  const Value* v = args.get(index, name);
  if (!v || v->is_null()) return std::nullopt;
  return to_str(*v);
}

// printf-style formatting as Python's `str % args` (used by `%` and the format filter).
std::string python_percent_format(Renderer& r, const std::string& format, const Value& args);

}  // namespace instill::jinja
