#pragma once
// Runs fn(i) for i in [0, n) on up to `threads` threads (the caller included; the others come
// from a persistent pool, so thread_local state survives between calls). Work is
// handed out in small chunks from a shared counter; results stay in caller-owned slots, so
// order is preserved. The first exception thrown by fn is rethrown in the caller.
#include <cstddef>
#include <functional>

namespace instill::tokenizer {

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace instill::tokenizer
