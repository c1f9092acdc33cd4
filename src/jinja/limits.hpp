#pragma once
// Bounds that keep a hostile template from exhausting memory, CPU or the stack. Each is
// configurable; crossing one stops rendering with a clear error.
#include <cstddef>
#include <cstdint>

namespace instill::jinja {

struct RenderLimits {
  size_t max_output_bytes = size_t{64} << 20;
  uint64_t max_loop_iterations = 10'000'000;  // summed over all loops of one render
  int max_recursion_depth = 200;              // macro calls and recursive loops
  // C++ stack used by nested macro calls and recursive loops: their bodies' expressions
  // recurse too, so the call depth alone does not bound it.
  size_t max_stack_bytes = size_t{2} << 20;
  // Size of any one intermediate value (a string's bytes, a list's or dict's elements times
  // their size), so doubling a namespace variable or `replace` cannot exhaust memory.
  size_t max_value_bytes = size_t{64} << 20;
  double max_render_seconds = 30.0;
  int64_t max_range_length = 100'000;  // Jinja2's sandbox MAX_RANGE
};

}  // namespace instill::jinja
