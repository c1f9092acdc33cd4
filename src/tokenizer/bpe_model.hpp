#pragma once
// Byte-pair-encoding model (HF semantics: merges applied by rank, ties to the left).
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/model.hpp"

namespace instill::tokenizer {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class BpeModel : public Model {
 public:
  // merges: pairs of token strings, in rank order. Throws instill::Error (with the merge
  // index) when a merge refers to a token missing from the vocab.
  BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
           BpeOptions options);

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  const std::string* id_to_token(int32_t id) const override;
  std::size_t vocab_size() const override { return vocab_.size(); }
  const Vocab& vocab() const override { return vocab_; }
  const BpeOptions& options() const { return options_; }

  // Merge-only core, without cache (exposed for the fast path and tests).
  void tokenize_uncached(std::string_view word, std::vector<int32_t>& ids) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const Merge* find_merge(int32_t a, int32_t b) const;
  void prepare_metaspace_chunking();
  // Byte offsets where a long word can be cut without changing the result (see .cpp).
  void find_chunk_starts(std::string_view word, std::vector<std::size_t>& starts) const;
  void tokenize_cached(std::string_view word, std::vector<int32_t>& ids) const;

  // Bounded word -> ids cache, sharded so concurrent encodes rarely contend.
  struct CacheShard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> map;
  };
  static constexpr std::size_t kCacheShards = 64;
  static constexpr std::size_t kCacheEntriesPerShard = 4096;
  static constexpr std::size_t kMaxCachedWordBytes = 256;

  // Open-addressing (pair -> merge) table: the merge loop's hottest lookup.
  class MergeTable {
   public:
    void reserve(std::size_t n);
    void insert_or_assign(uint64_t key, Merge merge);
    const Merge* find(uint64_t key) const {
      if (keys_.empty()) return nullptr;
      for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
        if (keys_[i] == key) return &values_[i];
        if (keys_[i] == kEmpty) return nullptr;
      }
    }

   private:
    static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are >= 0, so never a real key
    std::size_t slot(uint64_t key) const {
      return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    std::vector<uint64_t> keys_;
    std::vector<Merge> values_;
    std::size_t mask_ = 0;
    int shift_ = 64;
  };

  Vocab vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> id_present_;
  MergeTable merges_;
  std::array<int32_t, 128> ascii_ids_{};  // single ASCII character tokens (-1: none)
  // Single-character tokens of U+0080..U+07FF (two UTF-8 bytes), -1: none. Byte-level BPE
  // spells every non-ASCII byte as such a character, so this replaces a hash lookup per byte.
  std::array<int32_t, 0x800> two_byte_ids_{};
  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  std::array<int32_t, 256> byte_fallback_ids_{};  // -1 when <0xXX> is missing
  mutable std::unique_ptr<CacheShard[]> cache_;
  // Metaspace chunking: on when no vocab token could span a cut before "▁".
  bool metaspace_chunking_ = false;
  std::unordered_map<std::string, bool, StringHash, std::equal_to<>> chars_before_marker_;
};

}  // namespace instill::tokenizer
