// The memory budget for intermediate values: a template may build strings and lists only up
// to RenderLimits::max_value_bytes each, however it builds them (doubling a namespace
// variable, `replace`, `tojson(indent=...)`, repetition), so rendering cannot exhaust memory.
#include <string>

#include "jinja/runtime.hpp"

namespace instill::jinja {

void Renderer::check_value_size(const Value& v, std::string_view what) const {
  if (v.is_string()) {
    check_size(v.as_string().size(), what);
  } else if (v.is_sequence() || v.is_map()) {
    check_size(value_footprint(v, limits_.max_value_bytes), what);
  }
}

void Renderer::check_size(size_t bytes, std::string_view what) const {
  if (bytes > limits_.max_value_bytes)
    fail("value size limit exceeded (" + std::to_string(limits_.max_value_bytes) + " bytes) by " +
         std::string(what));
}

}  // namespace instill::jinja
