#include "core/nesting_guard.hpp"

#include <string>

namespace instill {

thread_local int NestingGuard::depth_ = 0;

NestingGuard::NestingGuard(const char* while_doing) {
  if (++depth_ > kMaxDepth) {
    --depth_;
    throw Error(std::string("RecursionError: maximum recursion depth exceeded while ") +
                while_doing);
  }
}

}  // namespace instill
