#pragma once
// Bounds the recursion of functions that walk nested Values (repr, equality, ordering):
// a template can build a list nested a million levels deep, and Python answers such a walk
// with RecursionError where C++ would overflow its stack.
#include "core/error.hpp"

namespace instill {

class NestingGuard {
 public:
  static constexpr int kMaxDepth = 1000;  // Python's default recursion limit

  // `while_doing` completes "maximum recursion depth exceeded while ...".
  explicit NestingGuard(const char* while_doing);
  ~NestingGuard() { --depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  static thread_local int depth_;
};

}  // namespace instill
