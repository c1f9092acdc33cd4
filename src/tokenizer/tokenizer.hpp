#pragma once
// The `tokenizers`-level pipeline: added tokens -> normalizer -> pre-tokenizer -> model ->
// post-processor, and decoding. Encoding is thread-safe once the tokenizer is finalized.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/added_vocabulary.hpp"
#include "tokenizer/decoders.hpp"
#include "tokenizer/gpt2_scanner.hpp"
#include "tokenizer/model.hpp"
#include "tokenizer/normalizers.hpp"
#include "tokenizer/post_processors.hpp"
#include "tokenizer/pre_tokenizers.hpp"

namespace instill::tokenizer {

class BpeModel;

class Tokenizer {
 public:
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;

  // Registers added tokens like HF add_tokens: content already known keeps its id, new
  // content gets the next free id. Returns how many entries the full vocabulary grew by.
  std::size_t add_tokens(const std::vector<AddedToken>& tokens);
  // Adds a token with the id given in tokenizer.json (call finalize() afterwards).
  void load_added_token(const AddedToken& token) { added_.add(token); }
  // Must be called after the components change (rebuilds matchers and the fast path).
  void finalize();

  // Model ids of text (before post-processing). Input must be valid UTF-8.
  std::vector<int32_t> encode_ids(std::string_view text) const;
  // encode_ids(text) into ids and, for each id, the byte offset in text of the first byte of
  // the character its token starts in: the start of HF's offsets (add_special_tokens=false,
  // a post-processor's trim_offsets included) in bytes; byte-level tokens that split a
  // character all start at it. Replaces the vectors' contents. A separate, slower path than
  // encode_ids: it tracks where each normalized byte comes from. Text must be shorter than
  // 4 GiB.
  void encode_ids_with_starts(std::string_view text, std::vector<int32_t>& ids,
                              std::vector<uint32_t>& starts) const;
  // encode_ids + post-processor when add_special_tokens.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;
  std::size_t num_special_tokens_to_add() const {
    return post_processor ? post_processor->added_tokens() : 0;
  }
  void post_process(std::vector<int32_t>& ids) const {
    if (post_processor) post_processor->process(ids);
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // Model vocabulary size (HF get_vocab_size(false)).
  std::size_t base_vocab_size() const { return model->vocab_size(); }
  // Distinct strings of model vocab + added tokens (HF len(get_vocab(true))).
  std::size_t full_vocab_size() const;

  const AddedVocabulary& added_vocabulary() const { return added_; }
  // Turns the hand-written pre-token scanner on/off (for conformance tests).
  void set_fast_path_enabled(bool enabled) { fast_path_enabled_ = enabled; }
  bool fast_path_active() const { return fast_path_enabled_ && fast_scanner_.has_value(); }

 private:
  void encode_fast(const Pieces& pieces, std::vector<int32_t>& ids) const;
  // The offsets path (tokenizer_offsets.cpp): ids and offsets of pieces that carry their
  // origin, after the pre-tokenizer / with the pre-token scanner.
  struct TokenOffsets;
  void collect_offsets(const Pieces& pieces, std::vector<int32_t>& ids,
                       TokenOffsets& offsets) const;
  void collect_offsets_fast(const Pieces& pieces, std::vector<int32_t>& ids,
                            TokenOffsets& offsets) const;

  AddedVocabulary added_;
  const BpeModel* bpe_ = nullptr;            // the model, when it is BPE (set by finalize())
  std::optional<ScannerKind> fast_scanner_;  // set when the pipeline matches a known shape
  bool fast_path_enabled_ = true;
};

}  // namespace instill::tokenizer
