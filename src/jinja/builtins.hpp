#pragma once
// Registries of the built-in filters, tests, global functions and methods of Python types
// that chat templates use.
#include <string>
#include <string_view>

#include "jinja/ast.hpp"

namespace instill::jinja {

FilterFn find_filter(std::string_view name);  // nullptr when unknown
TestFn find_test(std::string_view name);      // nullptr when unknown

// The global functions (range, namespace, dict, raise_exception, strftime_now) as Values.
const ValueMap& builtin_globals();

// obj.name for str/dict/list methods: a bound method Value, or nullopt-like null Value when
// the type has no such (safe) method. Sets `unsafe` when the method exists but mutates.
Value find_method(const Value& object, const std::string& name, bool& unsafe);

// Whether `name` is an attribute of Python's dict (a method), which `d.name` returns
// instead of the item d["name"].
bool is_dict_attribute_name(std::string_view name);

}  // namespace instill::jinja
