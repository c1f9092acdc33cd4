#pragma once
// Byte-pair-encoding model (HF semantics: merges applied by rank, ties to the left).
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/model.hpp"
#include "tokenizer/token_table.hpp"

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
  // merges: pairs of token strings, in rank order (only read during construction). Throws
  // instill::Error (with the merge index) when a merge refers to a token missing from the
  // vocab. `vocab` need not be finalized.
  BpeModel(TokenTable vocab,
           const std::vector<std::pair<std::string_view, std::string_view>>& merges,
           BpeOptions options);
  ~BpeModel() override;

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  // The ids come from tokenize() (cache included); each token is then matched with the run of
  // initial symbols it was merged from.
  void tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                             std::vector<uint32_t>& starts) const override;
  // tokenize() of consecutive words buf[ends[k-1]..ends[k]) (ends[-1] = 0), with the memory
  // of upcoming lookups prefetched while the current word is encoded.
  void tokenize_words(std::string_view buf, const std::vector<uint32_t>& ends,
                      std::vector<int32_t>& ids) const;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string_view> id_to_token(int32_t id) const override {
    return vocab_.token(id);
  }
  std::size_t vocab_size() const override { return vocab_.size(); }
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
  // The word's characters as vocabulary ids: affixes, byte fallback and unk as configured.
  // With kSpans, also each symbol's [start, end) bytes in the word (HF's symbol offsets: a
  // fallback byte covers itself, a fused unk its whole run).
  template <bool kSpans>
  void initial_symbols(std::string_view word, std::vector<int32_t>& symbols,
                       std::vector<std::pair<uint32_t, uint32_t>>* spans) const;
  // Bytes of the word that token `id` covers: its string without the affixes a token at that
  // place carries.
  std::size_t token_text_size(int32_t id, bool first, bool last) const;
  // Both apply the lowest-ranked merge (leftmost on ties) until none is left and append the
  // result: an array scan for short words, a heap of candidates for long ones.
  void merge_short(std::vector<int32_t>& symbols, std::vector<int32_t>& ids) const;
  void merge_long(const std::vector<int32_t>& symbols, std::vector<int32_t>& ids) const;
  // Byte offsets where a long word can be cut without changing the result (see .cpp).
  void find_chunk_starts(std::string_view word, std::vector<std::size_t>& starts) const;
  void build_adjacent_pairs() const;
  bool is_vocab_char(std::string_view ch) const;
  // Words buf[ends[k-1]..ends[k]) that need no more cutting, in order.
  void encode_segments(std::string_view buf, const std::vector<uint32_t>& ends,
                       std::vector<int32_t>& ids) const;
  // A word of at most kMaxCachedWordBytes with its hash_bytes().
  void tokenize_hashed(std::string_view word, uint64_t hash, std::vector<int32_t>& ids) const;
  static constexpr std::size_t kMaxCachedWordBytes = 256;
  // Up to this many initial symbols the merge loop scans an array instead of using a heap.
  static constexpr std::size_t kSmallWordSymbols = 64;

  // Open-addressing (pair -> merge) table: the merge loop's hottest lookup. Key and value
  // share a 16-byte slot, so a probe touches one cache line.
  class MergeTable {
   public:
    void reserve(std::size_t n);
    void insert_or_assign(uint64_t key, Merge merge);
    void prefetch(uint64_t key) const { __builtin_prefetch(&slots_[slot(key)]); }
    const Merge* find(uint64_t key) const {
      if (slots_.empty()) return nullptr;
      for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
        if (slots_[i].key == key) return &slots_[i].merge;
        if (slots_[i].key == kEmpty) return nullptr;
      }
    }

   private:
    static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are >= 0, so never a real key
    struct Slot {
      uint64_t key;
      Merge merge;
    };
    std::size_t slot(uint64_t key) const {
      return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    int shift_ = 64;
  };

  // Bounded word -> ids cache over flat arenas: no allocation per entry, lookups reuse the
  // word's hash computed for the vocabulary probe and take no lock (inserts lock a shard).
  class WordCache;

  TokenTable vocab_;
  MergeTable merges_;
  // Ids of single-character tokens by code point for U+0000..U+FFFF (-1: none), used when
  // there are no subword affixes: replaces a hash lookup per character of a word.
  std::vector<int32_t> char_ids_;
  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  std::array<int32_t, 256> byte_fallback_ids_{};  // -1 when <0xXX> is missing
  // Whole-word shortcut: per vocab id, whether BPE of the token's own string gives just that
  // id (0 unknown yet, 1 yes, 2 no). Learned on first sight, so words that are vocab entries
  // skip both the merge loop and the cache.
  std::unique_ptr<std::atomic<uint8_t>[]> whole_word_;
  std::size_t whole_word_size_ = 0;
  std::unique_ptr<WordCache> cache_;
  // Chunking of long words (models without a pre-tokenizer, whose words are whole lines):
  // the set of character pairs (x, y) adjacent inside some vocab token, built on first use.
  bool chunking_ = false;
  mutable std::once_flag pairs_once_;
  mutable std::vector<uint64_t> adjacent_pairs_;  // open addressing, kNoPair = free
  mutable bool pairs_usable_ = false;
  mutable std::array<uint64_t, 128 * 128 / 64> ascii_pairs_{};  // bit (x * 128 + y)
  // BMP characters that some vocab token has a character after / before (bit per code point):
  // a pair whose first has no successor or whose second has no predecessor needs no lookup.
  mutable std::vector<uint64_t> has_successor_, has_predecessor_;
};

}  // namespace instill::tokenizer
