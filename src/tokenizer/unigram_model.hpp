#pragma once
// Unigram (SentencePiece) model: Viterbi segmentation maximising the sum of piece scores;
// unknown characters score min_score - 10 and consecutive unknowns fuse into one unk.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/model.hpp"
#include "tokenizer/split_regex.hpp"

namespace instill::tokenizer {

class UnigramModel : public Model {
 public:
  UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<int32_t> unk_id,
               bool byte_fallback);
  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  void tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                             std::vector<uint32_t>& starts) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string_view> id_to_token(int32_t id) const override;
  std::size_t vocab_size() const override { return pieces_.size(); }

 private:
  // Viterbi segmentation; starts (when given) receives each id's byte offset in s.
  void encode(std::string_view s, std::vector<int32_t>& ids, std::vector<uint32_t>* starts) const;
  // The ids of one piece of the segmentation: its own, its bytes' or unk.
  void append_piece_ids(std::string_view piece, std::vector<int32_t>& ids) const;
  struct TrieNode {
    std::unordered_map<unsigned char, int32_t> children;
    int32_t id = -1;
  };
  std::vector<std::pair<std::string, double>> pieces_;
  Vocab vocab_;
  std::vector<TrieNode> trie_;
  std::optional<int32_t> unk_id_;
  bool byte_fallback_;
  double min_score_ = 0;
  int32_t byte_ids_[256];
};

}  // namespace instill::tokenizer
