#pragma once
// Post-processors ("post_processor": {...}): add special tokens around a single sequence.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace instill::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many ids process() adds to a single sequence when add_special_tokens is on.
  virtual std::size_t added_tokens() const = 0;
  virtual void process(std::vector<int32_t>& ids) const = 0;
  // Appends the add_prefix_space flag of each offset-trimming step it runs (HF trim_offsets of
  // ByteLevel and RobertaProcessing), in order.
  virtual void offset_trims(std::vector<bool>& /*add_prefix_space*/) const {}
};

// ByteLevel adds no tokens; with trim_offsets it moves offsets off a token's spaces. The
// defaults are what transformers' GPT-2 converter sets.
class ByteLevelPostProcessor : public PostProcessor {
 public:
  explicit ByteLevelPostProcessor(bool add_prefix_space = true, bool trim_offsets = false)
      : add_prefix_space_(add_prefix_space), trim_offsets_(trim_offsets) {}
  std::size_t added_tokens() const override { return 0; }
  void process(std::vector<int32_t>&) const override {}
  void offset_trims(std::vector<bool>& add_prefix_space) const override {
    if (trim_offsets_) add_prefix_space.push_back(add_prefix_space_);
  }

 private:
  bool add_prefix_space_, trim_offsets_;
};

// HF's trim_offsets on input byte offsets: each token's start moves past as many input
// characters as its string (tokens[k]) opens with spaces ('Ġ' or whitespace), its end back
// over as many as it closes with, neither past the other. With add_prefix_space a single
// opening space of the first token stays (the pre-tokenizer added it).
void trim_offsets(std::string_view text, const std::vector<std::string_view>& tokens,
                  bool add_prefix_space, std::vector<uint32_t>& starts,
                  std::vector<uint32_t>& ends);

// TemplateProcessing "single" template: a list of special-token id runs and the sequence.
class TemplatePostProcessor : public PostProcessor {
 public:
  struct Item {
    bool is_sequence = false;
    std::vector<int32_t> ids;  // for special tokens
  };
  explicit TemplatePostProcessor(std::vector<Item> single) : single_(std::move(single)) {}
  std::size_t added_tokens() const override;
  void process(std::vector<int32_t>& ids) const override;

 private:
  std::vector<Item> single_;
};

class SequencePostProcessor : public PostProcessor {
 public:
  explicit SequencePostProcessor(std::vector<std::unique_ptr<PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  std::size_t added_tokens() const override;
  void process(std::vector<int32_t>& ids) const override;
  void offset_trims(std::vector<bool>& add_prefix_space) const override;

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

}  // namespace instill::tokenizer
