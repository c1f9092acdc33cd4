#pragma once
// Pre-tokenizers of tokenizer.json ("pre_tokenizer": {...}): they split unresolved pieces, and
// keep their origin (see alignment.hpp) in step when it is tracked.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/gpt2_scanner.hpp"
#include "tokenizer/pieces.hpp"
#include "tokenizer/split_regex.hpp"

namespace instill::tokenizer {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Cuts text at the given matches (sorted, non-overlapping) following HF's behaviours: appends
// the non-empty parts' spans to out.
void split_by_matches(std::string_view text, const std::vector<Span>& matches,
                      SplitBehavior behavior, bool invert, std::vector<Span>& out);

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(Pieces& pieces) const = 0;
};

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex);
  void pre_tokenize(Pieces& pieces) const override;
  bool add_prefix_space() const { return add_prefix_space_; }
  bool use_regex() const { return use_regex_; }

 private:
  bool add_prefix_space_, use_regex_;
  std::unique_ptr<SplitPattern> regex_;
};

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(std::unique_ptr<SplitPattern> pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(Pieces& pieces) const override;
  const SplitPattern& pattern() const { return *pattern_; }
  SplitBehavior behavior() const { return behavior_; }
  bool invert() const { return invert_; }

 private:
  std::unique_ptr<SplitPattern> pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(Pieces& pieces) const override;

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class WhitespacePreTokenizer : public PreTokenizer {  // \w+|[^\w\s]+
 public:
  void pre_tokenize(Pieces& pieces) const override;
};

class WhitespaceSplitPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(Pieces& pieces) const override;
};

class PunctuationPreTokenizer : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior) : behavior_(behavior) {}
  void pre_tokenize(Pieces& pieces) const override;

 private:
  SplitBehavior behavior_;
};

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual_digits) : individual_(individual_digits) {}
  void pre_tokenize(Pieces& pieces) const override;

 private:
  bool individual_;
};

class BertPreTokenizer : public PreTokenizer {  // whitespace split, then punctuation isolated
 public:
  void pre_tokenize(Pieces& pieces) const override;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void pre_tokenize(Pieces& pieces) const override;
  const std::vector<std::unique_ptr<PreTokenizer>>& steps() const { return steps_; }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace instill::tokenizer
