#pragma once
// Turns generated ids into printable text as they come. Decoding the whole reply each time
// (not token by token) keeps multi-token characters and the tokenizer's space rules right;
// a reply that ends inside a UTF-8 character is held back until the character is complete.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/hf_tokenizer.hpp"

namespace instill::generate {

class TextStream {
 public:
  explicit TextStream(const tokenizer::HfTokenizer& tokenizer, bool skip_special_tokens = false)
      : tokenizer_(tokenizer), skip_special_(skip_special_tokens) {}
  // The text that `id` adds (may be empty while a character is incomplete).
  std::string push(int64_t id);
  // Whatever is still held back, and the full text.
  std::string flush();
  const std::string& text() const { return text_; }

 private:
  const tokenizer::HfTokenizer& tokenizer_;
  bool skip_special_;
  std::vector<int32_t> ids_;
  std::string text_;
  size_t emitted_ = 0;
};

}  // namespace instill::generate
