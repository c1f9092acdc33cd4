#pragma once
// Runs fn(i) for i in [0, n) on up to `threads` threads (the caller included; the others come
// from a persistent pool, so thread_local state survives between calls). Work is
// handed out in small chunks from a shared counter; results stay in caller-owned slots, so
// order is preserved. The first exception thrown by fn is rethrown in the caller.
// `grain` is how many indices a thread takes at a time; 0 picks a size for cheap items. Pass
// 1 when each item is already a sizeable piece of work, so that no thread waits at the end
// for another that took several.
#include <cstddef>
#include <cstdint>
#include <functional>

namespace instill {

// The number of threads a request means: a positive count as it is; 0, or the -1 that config
// files use, means every core (at least 1). Every "threads"/"num_cpus" setting goes through
// here so that they all agree.
unsigned resolve_threads(std::int64_t requested);

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                  std::size_t grain = 0);

}  // namespace instill
