#pragma once
// The model stage: turns one pre-tokenized word into token ids.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace instill::tokenizer {

// Hash map from token string with string_view lookups (no temporary strings).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Vocab = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of `word` to ids. Thread-safe.
  virtual void tokenize(std::string_view word, std::vector<int32_t>& ids) const = 0;
  // tokenize(), and for each id appended the byte offset in word where its token starts, as
  // in HF's token offsets. Thread-safe.
  virtual void tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                                     std::vector<uint32_t>& starts) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string_view> id_to_token(int32_t id) const = 0;
  virtual std::size_t vocab_size() const = 0;
};

// id -> token table built from a vocab (ids may have gaps).
std::vector<std::string> invert_vocab(const Vocab& vocab, std::vector<bool>& present);

}  // namespace instill::tokenizer
