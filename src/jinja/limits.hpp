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
  double max_render_seconds = 30.0;
  int64_t max_range_length = 100'000;  // Jinja2's sandbox MAX_RANGE
};

}  // namespace instill::jinja
