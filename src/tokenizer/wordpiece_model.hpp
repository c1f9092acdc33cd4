#pragma once
// WordPiece (BERT) and WordLevel models.
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/model.hpp"

namespace instill::tokenizer {

// Greedy longest-match-first over each word; a word with an unmatchable part becomes unk.
class WordPieceModel : public Model {
 public:
  WordPieceModel(Vocab vocab, std::string unk_token, std::string continuing_subword_prefix,
                 std::size_t max_input_chars_per_word);
  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  void tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                             std::vector<uint32_t>& starts) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string_view> id_to_token(int32_t id) const override;
  std::size_t vocab_size() const override { return vocab_.size(); }

 private:
  // Greedy matching; starts (when given) receives each id's byte offset in word.
  void encode(std::string_view word, std::vector<int32_t>& ids,
              std::vector<uint32_t>* starts) const;
  int32_t unk_id(std::string_view word) const;
  Vocab vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> id_present_;
  std::string unk_token_, prefix_;
  std::size_t max_chars_;
};

// Whole-word vocabulary lookup with unk fallback.
class WordLevelModel : public Model {
 public:
  WordLevelModel(Vocab vocab, std::string unk_token);
  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  void tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                             std::vector<uint32_t>& starts) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string_view> id_to_token(int32_t id) const override;
  std::size_t vocab_size() const override { return vocab_.size(); }

 private:
  Vocab vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> id_present_;
  std::string unk_token_;
};

}  // namespace instill::tokenizer
