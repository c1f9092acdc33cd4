#pragma once
// The first output of a jq program on one JSON line, as Modalities' packer takes it
// (`jq.compile(pattern).input_text(line).first()`). Plain key paths like ".text" or
// ".chat" skip libjq and read the key directly; everything else runs libjq. One JqQuery
// per thread.
//
// The jq_pattern comes from a config, so it is treated as hostile: its size is checked before
// libjq sees it, and libjq runs in a child process forked for this JqQuery (libjq 1.6 cannot be
// interrupted from outside, and its compiler and value printer recurse without bound). Each
// record gets a time, memory and output budget; a record over budget kills the child and
// fails with JqBudgetError. Records travel to the child in batches, so the round trip costs
// little next to libjq's own work.
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace instill::data {

// Budgets (generous for real patterns, which take microseconds per record).
struct JqLimits {
  static constexpr std::size_t kMaxProgramBytes = 16 * 1024;
  static constexpr int kMaxProgramNesting = 128;  // brackets, parentheses and braces
  static constexpr double kSecondsPerRecord = 2.0;
  static constexpr std::size_t kBytesPerExtraSecond = 16u << 20;  // big records get more time
  static constexpr std::size_t kMaxOutputBytes = 64u << 20;       // or 4x the record, if more
  static constexpr std::size_t kMemoryBytes = 2ull << 30;         // plus 32x the record
};

// A record exceeded a budget, or libjq crashed on it: the program is at fault, not the record,
// so callers stop instead of skipping. `index` is the record's place in the batch.
class JqBudgetError : public Error {
 public:
  JqBudgetError(std::string message, std::size_t index) : Error(std::move(message)), index(index) {}
  std::size_t index;
};

struct JqResult {
  std::string text;                  // the program's first output, a string
  std::optional<std::string> error;  // why this record has none
};

class JqQuery {
 public:
  // Throws Error naming settings.jq_pattern when the program is too long or too deeply nested.
  explicit JqQuery(const std::string& program);
  ~JqQuery();
  JqQuery(const JqQuery&) = delete;
  JqQuery& operator=(const JqQuery&) = delete;

  // The program's first output on `json_line`, which must be a string. Throws Error with
  // the reason otherwise (null/no output, non-string, invalid JSON), JqBudgetError over budget.
  std::string first_string(std::string_view json_line);
  // The same for several lines at once (results[i] for lines[i]); only budget errors throw.
  void first_strings(std::span<const std::string_view> lines, std::span<JqResult> results);

  const std::string& program() const { return program_; }

 private:
  void compile();
  std::optional<std::string> fast_path(std::string_view json_line, bool& handled) const;
  std::string out_of_memory() const;
  std::string program_;
  std::vector<std::string> key_path_;  // non-empty when the program is a plain key path
  struct Worker;
  std::unique_ptr<Worker> worker_;
};

// Throws Error naming settings.jq_pattern when `program` is over the size limits.
void check_jq_program_size(const std::string& program);

}  // namespace instill::data
