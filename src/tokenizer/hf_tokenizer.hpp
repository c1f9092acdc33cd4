#pragma once
// transformers-level wrapper (AutoTokenizer.from_pretrained + PreTrainedTokenizerFast
// semantics used by the spec §6.2): config files, special-token registration, max_length /
// truncation / padding rules, get_token_id and decode with clean-up.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace instill::tokenizer {

enum class PaddingMode { kNone, kLongest, kMaxLength };

struct EncodeOptions {
  std::optional<std::size_t> max_length;
  bool truncation = false;
  PaddingMode padding = PaddingMode::kNone;
  bool add_special_tokens = true;
};

class HfTokenizer {
 public:
  // A directory (tokenizer.json, or vocab.json + merges.txt; plus tokenizer_config.json and
  // special_tokens_map.json when present) or a tokenizer.json file.
  static HfTokenizer from_pretrained(const std::filesystem::path& path);

  // transformers add_special_tokens(dict, replace_additional_special_tokens=False). Keys:
  // bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token,
  // additional_special_tokens. Tokens not in the vocabulary get the next free ids (with a note
  // on stderr); the reference refuses them.
  void add_special_tokens(const std::map<std::string, std::vector<std::string>>& tokens);

  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& options) const;
  // Ordered results; padding "longest" pads to the longest of the batch.
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 const EncodeOptions& options,
                                                 unsigned threads) const;
  // cleanup: nullopt = the tokenizer config's clean_up_tokenization_spaces.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false,
                     std::optional<bool> cleanup = std::nullopt) const;

  // convert_tokens_to_ids for one vocabulary string; unk fallback sets *warning.
  int32_t get_token_id(const std::string& token, std::string* warning = nullptr) const;

  std::size_t vocab_size() const { return tok_->base_vocab_size(); }
  std::size_t full_vocab_size() const { return tok_->full_vocab_size(); }
  // One more than the largest id the tokenizer can produce (the embedding rows a model needs).
  std::size_t id_bound() const;

  // Config values (empty when unset).
  std::optional<std::string> special_token(const std::string& name) const;  // "bos_token", ...
  std::optional<int32_t> special_token_id(const std::string& name) const;
  const std::vector<std::string>& additional_special_tokens() const { return additional_; }
  std::optional<uint64_t> model_max_length() const { return model_max_length_; }
  std::optional<bool> add_bos_token() const { return add_bos_token_; }
  std::optional<bool> add_eos_token() const { return add_eos_token_; }
  bool clean_up_tokenization_spaces() const { return clean_up_tokenization_spaces_; }
  bool padding_left() const { return padding_left_; }
  // Default chat template, and named ones (a list-valued chat_template).
  const std::optional<std::string>& chat_template() const { return chat_template_; }
  const std::map<std::string, std::string>& named_chat_templates() const {
    return named_templates_;
  }

  // The directory the tokenizer files were read from (for copying them next to a model).
  const std::filesystem::path& source_dir() const { return source_dir_; }

  Tokenizer& core() { return *tok_; }
  const Tokenizer& core() const { return *tok_; }

 private:
  std::vector<int32_t> finish(std::vector<int32_t> ids, const EncodeOptions& options,
                              std::optional<std::size_t> pad_to) const;
  std::optional<std::size_t> effective_max_length(const EncodeOptions& options) const;

  std::shared_ptr<Tokenizer> tok_;
  std::map<std::string, std::string> special_;  // bos_token -> "<s>", ...
  std::vector<std::string> additional_;
  std::optional<uint64_t> model_max_length_;  // unset: "very large"
  std::optional<bool> add_bos_token_, add_eos_token_;
  bool clean_up_tokenization_spaces_ = false;
  bool padding_left_ = false;
  std::optional<std::string> chat_template_;
  std::filesystem::path source_dir_;
  std::map<std::string, std::string> named_templates_;
};

}  // namespace instill::tokenizer
