#include "tokenizer/unigram_model.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace instill::tokenizer {

UnigramModel::UnigramModel(std::vector<std::pair<std::string, double>> pieces,
                           std::optional<int32_t> unk_id, bool byte_fallback)
    : pieces_(std::move(pieces)), unk_id_(unk_id), byte_fallback_(byte_fallback) {
  trie_.emplace_back();
  min_score_ = pieces_.empty() ? 0.0 : pieces_[0].second;
  for (std::size_t id = 0; id < pieces_.size(); ++id) {
    const auto& [piece, score] = pieces_[id];
    vocab_.try_emplace(piece, static_cast<int32_t>(id));
    min_score_ = std::min(min_score_, score);
    int32_t node = 0;
    for (unsigned char b : piece) {
      const auto it = trie_[node].children.find(b);
      if (it != trie_[node].children.end()) {
        node = it->second;
      } else {
        trie_.emplace_back();
        const auto child = static_cast<int32_t>(trie_.size() - 1);
        trie_[node].children.emplace(b, child);
        node = child;
      }
    }
    if (trie_[node].id < 0) trie_[node].id = static_cast<int32_t>(id);
  }
  if (unk_id_ && (*unk_id_ < 0 || static_cast<std::size_t>(*unk_id_) >= pieces_.size())) {
    throw Error("model.unk_id: out of range");
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    const auto it = vocab_.find(std::string_view(name));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
}

void UnigramModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  encode(word, ids, nullptr);
}

void UnigramModel::tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                                         std::vector<uint32_t>& starts) const {
  encode(word, ids, &starts);
}

void UnigramModel::encode(std::string_view s, std::vector<int32_t>& ids,
                          std::vector<uint32_t>* starts) const {
  if (s.empty()) return;
  constexpr double kUnkPenalty = 10.0;
  const double unk_score = min_score_ - kUnkPenalty;
  struct Node {
    int32_t id = -1;
    double score = 0;
    std::ptrdiff_t starts_at = -1;
  };
  std::vector<Node> best(s.size() + 1);
  std::size_t start = 0;
  while (start < s.size()) {
    const double base = best[start].score;
    const std::size_t char_len =
        std::min(utf8_sequence_length(static_cast<unsigned char>(s[start])), s.size() - start);
    bool has_single_char = false;
    int32_t node = 0;
    for (std::size_t i = start; i < s.size(); ++i) {
      const auto it = trie_[node].children.find(static_cast<unsigned char>(s[i]));
      if (it == trie_[node].children.end()) break;
      node = it->second;
      const int32_t id = trie_[node].id;
      if (id < 0) continue;
      Node& target = best[i + 1];
      const double candidate = base + pieces_[id].second;
      if (target.starts_at < 0 || candidate > target.score) {
        target = {id, candidate, static_cast<std::ptrdiff_t>(start)};
      }
      if (i + 1 - start == char_len) has_single_char = true;
    }
    if (!has_single_char) {
      Node& target = best[start + char_len];
      const double candidate = base + unk_score;
      if (target.starts_at < 0 || candidate > target.score) {
        target = {unk_id_ ? *unk_id_ : -1, candidate, static_cast<std::ptrdiff_t>(start)};
      }
    }
    start += char_len;
  }
  // Backtrack; consecutive unknown pieces fuse into one (they are neighbours in s).
  std::vector<Span> pieces;
  std::size_t end = s.size();
  bool pending_unk = false;
  while (end > 0) {
    const Node& n = best[end];
    const auto begin = static_cast<std::size_t>(n.starts_at);
    const bool unk = unk_id_ && n.id == *unk_id_;
    if (unk && pending_unk) {
      pieces.back().first = begin;
    } else {
      pieces.emplace_back(begin, end);
    }
    pending_unk = unk;
    end = begin;
  }
  std::reverse(pieces.begin(), pieces.end());
  for (const auto& [b, e] : pieces) {
    const std::size_t before = ids.size();
    append_piece_ids(s.substr(b, e - b), ids);
    // Every token of a piece starts where it does (HF: byte tokens share their piece's offsets).
    if (starts) starts->insert(starts->end(), ids.size() - before, static_cast<uint32_t>(b));
  }
}

void UnigramModel::append_piece_ids(std::string_view piece, std::vector<int32_t>& ids) const {
  if (const auto it = vocab_.find(piece); it != vocab_.end()) {
    ids.push_back(it->second);
    return;
  }
  if (byte_fallback_) {
    bool all = true;
    for (unsigned char b : piece) all = all && byte_ids_[b] >= 0;
    if (all) {
      for (unsigned char b : piece) ids.push_back(byte_ids_[b]);
      return;
    }
  }
  if (!unk_id_) {
    throw Error("Unigram: cannot encode \"" + std::string(piece) +
                "\" and the model has no unk_id");
  }
  ids.push_back(*unk_id_);
}

std::optional<int32_t> UnigramModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> UnigramModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size()) return std::nullopt;
  return pieces_[id].first;
}

}  // namespace instill::tokenizer
