#pragma once
// tokenizer/pretrained_hf_tokenizer: Modalities' PreTrainedHFTokenizer (spec §6.2) as a
// component: the HF tokenizer with its special tokens registered and the call options
// (max_length, truncation, padding) the reference applies on every tokenize().
#include <memory>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::data {

class TokenizerComponent : public config::Component {
 public:
  TokenizerComponent(std::shared_ptr<tokenizer::HfTokenizer> tok, tokenizer::EncodeOptions options)
      : tok_(std::move(tok)), options_(options) {}
  std::vector<int32_t> tokenize(std::string_view text) const {
    return tok_->encode(text, options_);
  }
  // convert_tokens_to_ids with the reference's checks; warns when it falls back to unk.
  int32_t token_id(const std::string& token) const;
  const tokenizer::HfTokenizer& hf() const { return *tok_; }
  const tokenizer::EncodeOptions& options() const { return options_; }

 private:
  std::shared_ptr<tokenizer::HfTokenizer> tok_;
  tokenizer::EncodeOptions options_;
};

}  // namespace instill::data
