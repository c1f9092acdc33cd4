#pragma once
// Post-processors ("post_processor": {...}): add special tokens around a single sequence.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace instill::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many ids process() adds to a single sequence when add_special_tokens is on.
  virtual std::size_t added_tokens() const = 0;
  virtual void process(std::vector<int32_t>& ids) const = 0;
};

// ByteLevel only adjusts offsets, which instill does not track.
class ByteLevelPostProcessor : public PostProcessor {
 public:
  std::size_t added_tokens() const override { return 0; }
  void process(std::vector<int32_t>&) const override {}
};

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

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

}  // namespace instill::tokenizer
