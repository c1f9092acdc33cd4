#include "tokenizer/wordpiece_model.hpp"

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace instill::tokenizer {

WordPieceModel::WordPieceModel(Vocab vocab, std::string unk_token,
                               std::string continuing_subword_prefix,
                               std::size_t max_input_chars_per_word)
    : vocab_(std::move(vocab)),
      unk_token_(std::move(unk_token)),
      prefix_(std::move(continuing_subword_prefix)),
      max_chars_(max_input_chars_per_word) {
  id_to_token_ = invert_vocab(vocab_, id_present_);
}

int32_t WordPieceModel::unk_id(std::string_view word) const {
  const auto it = vocab_.find(unk_token_);
  if (it == vocab_.end()) {
    throw Error("WordPiece: cannot encode \"" + std::string(word) + "\": unk token \"" +
                unk_token_ + "\" is not in the vocab");
  }
  return it->second;
}

void WordPieceModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  encode(word, ids, nullptr);
}

void WordPieceModel::tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                                           std::vector<uint32_t>& starts) const {
  encode(word, ids, &starts);
}

void WordPieceModel::encode(std::string_view word, std::vector<int32_t>& ids,
                            std::vector<uint32_t>* starts) const {
  std::size_t chars = 0;
  for (unsigned char c : word) chars += (c & 0xC0) != 0x80;
  const std::size_t first = ids.size();
  const std::size_t first_start = starts ? starts->size() : 0;
  if (chars > max_chars_) {
    ids.push_back(unk_id(word));
    if (starts) starts->push_back(0);  // unk stands for the whole word
    return;
  }
  std::string candidate;
  std::size_t start = 0;
  while (start < word.size()) {
    std::size_t end = word.size();
    bool found = false;
    while (start < end) {
      candidate.clear();
      if (start > 0) candidate = prefix_;
      candidate.append(word.substr(start, end - start));
      if (const auto it = vocab_.find(candidate); it != vocab_.end()) {
        ids.push_back(it->second);
        if (starts) starts->push_back(static_cast<uint32_t>(start));
        found = true;
        break;
      }
      // Step back one whole character.
      do {
        --end;
      } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (!found) {
      ids.resize(first);
      ids.push_back(unk_id(word));
      if (starts) {
        starts->resize(first_start);
        starts->push_back(0);  // unk stands for the whole word
      }
      return;
    }
    start = end;
  }
}

std::optional<int32_t> WordPieceModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> WordPieceModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size() || !id_present_[id]) {
    return std::nullopt;
  }
  return id_to_token_[id];
}

WordLevelModel::WordLevelModel(Vocab vocab, std::string unk_token)
    : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)) {
  id_to_token_ = invert_vocab(vocab_, id_present_);
}

void WordLevelModel::tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                                           std::vector<uint32_t>& starts) const {
  tokenize(word, ids);
  starts.push_back(0);  // one token for the whole word
}

void WordLevelModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (const auto it = vocab_.find(word); it != vocab_.end()) {
    ids.push_back(it->second);
    return;
  }
  const auto unk = vocab_.find(unk_token_);
  if (unk == vocab_.end()) {
    throw Error("WordLevel: \"" + std::string(word) +
                "\" is not in the vocab and the unk token \"" + unk_token_ + "\" is missing");
  }
  ids.push_back(unk->second);
}

std::optional<int32_t> WordLevelModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> WordLevelModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size() || !id_present_[id]) {
    return std::nullopt;
  }
  return id_to_token_[id];
}

}  // namespace instill::tokenizer
