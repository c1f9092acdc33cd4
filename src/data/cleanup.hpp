#pragma once
// What a failed or interrupted data run must undo. Ctrl-C or `kill` during a long data run: while
// an InterruptGuard lives, SIGINT, SIGTERM and SIGHUP only set a flag (all a signal handler may
// safely do); the workers check it and throw Interrupted, so the usual unwinding removes temporary
// files and staging folders exactly as on any other error. A second signal of the same kind ends
// the process at once.
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace instill::data {

class Interrupted : public Error {
 public:
  explicit Interrupted(int signal);
  int signal;
};

class InterruptGuard {
 public:
  InterruptGuard();  // nests: only the outermost guard installs and restores the handlers
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// Throws Interrupted once a guarded signal arrived.
void throw_if_interrupted();

// For a command's last words: after the error was reported and everything unwound, the
// process ends by the signal itself (so a shell sees 128 + N, as for any interrupted tool).
[[noreturn]] void die_by_signal(int signal);

// Creates `dir` and its missing parents; destroyed before keep(), it removes the folders it
// created (those still empty, deepest first), so that a failed run leaves no folders behind.
class CreatedDirectories {
 public:
  explicit CreatedDirectories(const std::filesystem::path& dir);
  ~CreatedDirectories();
  CreatedDirectories(const CreatedDirectories&) = delete;
  CreatedDirectories& operator=(const CreatedDirectories&) = delete;
  void keep() { created_.clear(); }

 private:
  std::vector<std::filesystem::path> created_;  // outermost first
};

// Runs f, turning the standard library's failures that name nothing (std::bad_alloc, raw
// std::filesystem texts) into Errors that name `what` or the file involved.
template <class F>
decltype(auto) naming_library_failures(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    throw Error(what + ": out of memory");
  } catch (const std::filesystem::filesystem_error& e) {
    throw Error((e.path1().empty() ? what : e.path1().string()) + ": " + e.code().message());
  }
}

}  // namespace instill::data
