#pragma once
// Added tokens (special or not) that are cut out of the text before the model sees it,
// with HF's leftmost-longest matching and single_word / lstrip / rstrip rules.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tokenizer/model.hpp"
#include "tokenizer/pieces.hpp"

namespace instill::tokenizer {

class Normalizer;

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

class AddedVocabulary {
 public:
  // Adds (or updates) a token with a known id.
  void add(const AddedToken& token);
  // Rebuilds the matchers; normalized tokens are matched in their normalized form.
  void rebuild(const Normalizer* normalizer);

  // Splits raw text on non-normalized tokens, normalizes the rest, then splits it on
  // normalized tokens (HF extract_and_normalize). with_origin: the pieces carry their origin
  // (an added token's starts where HF's offsets do, lstrip/rstrip whitespace included).
  Pieces extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                               bool with_origin = false) const;

  const AddedToken* find_by_id(int32_t id) const;
  std::optional<int32_t> find_by_content(std::string_view content) const;
  bool is_special_content(std::string_view content) const {
    return special_contents_.count(std::string(content)) > 0;
  }
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  bool empty() const { return tokens_.empty(); }

 private:
  // Byte trie for leftmost-longest matching.
  struct Matcher {
    struct Node {
      std::unordered_map<unsigned char, int32_t> children;
      int32_t token_index = -1;  // index into tokens_
    };
    std::vector<Node> nodes;
    bool first_byte[256] = {};
    void build(const std::vector<std::pair<std::string, int32_t>>& patterns);
    // Longest pattern starting at pos: returns token index and sets length, or -1.
    int32_t longest_at(std::string_view text, std::size_t pos, std::size_t& length) const;
  };
  void split(Piece&& piece, const Matcher& matcher, Pieces& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_content_;
  std::unordered_set<std::string> special_contents_;
  Matcher raw_matcher_, normalized_matcher_;
};

}  // namespace instill::tokenizer
