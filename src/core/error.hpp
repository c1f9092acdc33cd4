#pragma once
// One error type for the whole project. Errors gather context (file, line, key path,
// sample index) as they travel up, and end as one sentence on stderr. The kind decides
// the exit code: data/runtime errors exit 1, usage errors exit 2.
#include <stdexcept>
#include <string>

namespace instill {

enum class ErrorKind { kData, kUsage };

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, ErrorKind kind = ErrorKind::kData)
      : std::runtime_error(message), kind_(kind) {}

  ErrorKind kind() const { return kind_; }

  // Returns a copy whose message is "<context>: <message>".
  Error with_context(const std::string& context) const {
    return Error(context + ": " + what(), kind_);
  }

 private:
  ErrorKind kind_;
};

// Wrong command-line usage (exit code 2).
class UsageError : public Error {
 public:
  explicit UsageError(std::string message) : Error(std::move(message), ErrorKind::kUsage) {}
};

}  // namespace instill
