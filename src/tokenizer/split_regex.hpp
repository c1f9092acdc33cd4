#pragma once
// A compiled pattern for Split/Replace: either a literal string or a PCRE2 regex (UTF + UCP,
// JIT when available). Matching is thread-safe.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace instill::tokenizer {

using Span = std::pair<std::size_t, std::size_t>;  // [begin, end) byte offsets

class SplitPattern {
 public:
  // Throws instill::Error with the PCRE2 message when the regex does not compile.
  SplitPattern(std::string pattern, bool is_regex);
  ~SplitPattern();
  SplitPattern(const SplitPattern&) = delete;
  SplitPattern& operator=(const SplitPattern&) = delete;

  // Appends all non-overlapping matches, left to right (empty matches skipped).
  void find_all(std::string_view text, std::vector<Span>& out) const;

  const std::string& pattern() const { return pattern_; }
  bool is_regex() const { return is_regex_; }

 private:
  std::string pattern_;
  bool is_regex_;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace instill::tokenizer
