#pragma once
// Python's text forms of values: float repr (shortest round-trip, "1e-05", "1.0"),
// str() and repr() of Values with Python's quoting rules. Used by the Jinja engine when
// it prints values and by anything that must match Python's output byte for byte.
#include <string>
#include <string_view>

#include "core/value.hpp"

namespace instill {

// repr(float) in Python 3: "1.0", "0.1", "1e-05", "1e+16", "inf", "-inf", "nan".
std::string python_float_repr(double v);
// repr(str): single quotes unless the text has ' and no ", escapes as CPython does.
std::string python_string_repr(std::string_view utf8);
// Python str(value) and repr(value). Engine objects print as "<type_name object>".
std::string python_str(const Value& v);
std::string python_repr(const Value& v);
// Appending forms, to build large outputs without temporaries.
void append_python_str(std::string& out, const Value& v);
void append_python_repr(std::string& out, const Value& v);

}  // namespace instill
