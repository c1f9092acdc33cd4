#include "tokenizer/bpe_model.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace instill::tokenizer {

class BpeModel::WordCache {
 public:
  // Fresh zeroed pages, touched (and so paid for) only as shards fill up. The slots are read
  // before they are written, hence huge pages (see ZeroedHugePages); the arenas are written
  // first, so plain calloc memory serves.
  WordCache()
      : slot_pages_(kShards * kSlotsPerShard * sizeof(Slot)),
        slots_(static_cast<Slot*>(slot_pages_.data())) {
    keys_.reset(static_cast<char*>(std::calloc(kShards * kKeyBytesPerShard, 1)));
    ids_.reset(static_cast<int32_t*>(std::calloc(kShards * kIdsPerShard, sizeof(int32_t))));
    if (!keys_ || !ids_) throw std::bad_alloc();
  }

  // Starts loading the slot a lookup of this hash reads first.
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[slot_index(hash)]); }

  // Appends the cached ids of word to out; false when absent. Takes no lock and writes no
  // shared memory, so threads that look words up do not slow each other down.
  bool lookup(std::string_view word, uint64_t hash, std::vector<int32_t>& out) const {
    const std::size_t shard = hash >> kShardShift;
    const uint64_t want = head(hash, word.size(), 0) & ~kIdsLenMask;
    for (std::size_t i = slot_index(hash);; i = next(i)) {
      Slot& s = slots_[i];
      const uint64_t h = std::atomic_ref(s.head).load(std::memory_order_acquire);
      if (h == 0) return false;
      if ((h & ~kIdsLenMask) != want) continue;
      // The acquire load above makes the arena bytes written before the slot was published
      // visible here.
      const uint64_t where = std::atomic_ref(s.where).load(std::memory_order_relaxed);
      const char* key = keys_.get() + shard * kKeyBytesPerShard + (where >> 32);
      if (std::memcmp(key, word.data(), word.size()) != 0) continue;
      const int32_t* ids = ids_.get() + shard * kIdsPerShard + (where & 0xFFFFFFFFu);
      out.insert(out.end(), ids, ids + (h & kIdsLenMask));
      return true;
    }
  }

  // Remembers word -> ids unless its shard is full (word: 1..kMaxCachedWordBytes bytes).
  void insert(std::string_view word, uint64_t hash, const int32_t* ids, std::size_t n) {
    if (n == 0 || n > kIdsLenMask) return;
    const std::size_t shard_index = hash >> kShardShift;
    Shard& sh = shards_[shard_index];
    // Writers of a shard take turns; readers never wait for them.
    std::lock_guard lock(sh.mutex);
    if (sh.count >= kMaxEntriesPerShard || sh.key_bytes + word.size() > kKeyBytesPerShard ||
        sh.id_count + n > kIdsPerShard) {
      return;
    }
    const uint64_t h = head(hash, word.size(), n);
    std::size_t i = slot_index(hash);
    for (;; i = next(i)) {
      const uint64_t old = std::atomic_ref(slots_[i].head).load(std::memory_order_relaxed);
      if (old == 0) break;
      if (old == h &&
          std::memcmp(keys_.get() + shard_index * kKeyBytesPerShard + (slots_[i].where >> 32),
                      word.data(), word.size()) == 0) {
        return;  // another thread got there first
      }
    }
    std::memcpy(keys_.get() + shard_index * kKeyBytesPerShard + sh.key_bytes, word.data(),
                word.size());
    std::memcpy(ids_.get() + shard_index * kIdsPerShard + sh.id_count, ids, n * sizeof(int32_t));
    std::atomic_ref(slots_[i].where)
        .store((uint64_t{sh.key_bytes} << 32) | sh.id_count, std::memory_order_relaxed);
    // Publishes the slot: a reader that sees this head also sees the bytes written above.
    std::atomic_ref(slots_[i].head).store(h, std::memory_order_release);
    sh.key_bytes += word.size();
    sh.id_count += n;
    ++sh.count;
  }

 private:
  // Shards are picked by the top hash bits, slots within a shard by the low ones.
  static constexpr std::size_t kShards = 64;
  static constexpr int kShardShift = 58;
  static constexpr std::size_t kSlotsPerShard = 8192;  // power of two
  static constexpr std::size_t kMaxEntriesPerShard = kSlotsPerShard / 2;
  // Fixed arenas (entries never move, so readers need no lock); a shard whose arena is full
  // stops caching, as one whose table is full does. Words average well under 16 bytes.
  static constexpr std::size_t kKeyBytesPerShard = kMaxEntriesPerShard * 64;
  static constexpr std::size_t kIdsPerShard = kMaxEntriesPerShard * 16;
  static_assert(kShards == std::size_t{1} << (64 - kShardShift));
  // head: tag (high half of the hash) << 32 | key_len << 16 | ids_len; 0 marks a free slot
  // (a cached word has key_len >= 1). where: key offset << 32 | ids offset, in the shard's
  // arenas. Both are read and written through std::atomic_ref.
  struct Slot {
    uint64_t head;
    uint64_t where;
  };
  static_assert(sizeof(Slot) == 16);
  static constexpr uint64_t kIdsLenMask = 0xFFFF;
  static_assert(kMaxCachedWordBytes <= 0xFFFF);
  static uint64_t head(uint64_t hash, std::size_t key_len, std::size_t ids_len) {
    return (hash & 0xFFFFFFFF00000000u) | (uint64_t{key_len} << 16) | ids_len;
  }
  struct Shard {
    std::mutex mutex;
    std::size_t key_bytes = 0;
    std::size_t id_count = 0;
    std::size_t count = 0;
  };
  static std::size_t slot_index(uint64_t hash) {
    return static_cast<std::size_t>(hash >> kShardShift) * kSlotsPerShard +
           (hash & (kSlotsPerShard - 1));
  }
  static std::size_t next(std::size_t i) {
    return (i & ~(kSlotsPerShard - 1)) | ((i + 1) & (kSlotsPerShard - 1));
  }
  struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
  };
  ZeroedHugePages slot_pages_;
  Slot* slots_;
  std::unique_ptr<char[], FreeDeleter> keys_;
  std::unique_ptr<int32_t[], FreeDeleter> ids_;
  Shard shards_[kShards];
};

namespace {
constexpr std::string_view kMetaspaceMarker = "\xE2\x96\x81";  // U+2581
constexpr std::size_t kChunkingMinBytes = 64;

// Code point of the well-formed UTF-8 character of 1-3 bytes that is the whole of ch (a
// surrogate included; an overlong form not), or -1.
int32_t bmp_code_point(std::string_view ch) {
  std::size_t length = 0;
  const uint32_t cp = decode_utf8_at(ch, 0, length);
  const uint32_t shortest_form_min = length == 1 ? 0 : length == 2 ? 0x80 : 0x800;
  if (length != ch.size() || length > 3 || cp < shortest_form_min) return -1;
  if (length == 1 && cp >= 0x80) return -1;  // a lone continuation or lead byte
  return static_cast<int32_t>(cp);
}
}  // namespace

BpeModel::BpeModel(TokenTable vocab,
                   const std::vector<std::pair<std::string_view, std::string_view>>& merges,
                   BpeOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)), cache_(new WordCache) {
  vocab_.finalize();
  merges_.reserve(merges.size() + 1);
  // Each merge needs three lookups in a big table and one insert into another, all at random
  // places. A software pipeline keeps many of these cache misses in flight: merge j has its
  // vocab slots prefetched, kBytesAt later the token bytes those slots point to, kFindAt
  // after that it is resolved (and its merge-table slot prefetched), kInsertAt later inserted.
  const std::string_view prefix = options_.continuing_subword_prefix;
  constexpr std::size_t kBytesAt = 12, kFindAt = 24, kInsertAt = 8, kRing = 64;
  static_assert(kFindAt + kInsertAt < kRing && (kRing & (kRing - 1)) == 0);
  struct Stage {
    std::string merged;  // a + b without b's continuing-subword prefix
    uint64_t hash[3];
    uint64_t key;
    int32_t merged_id;
  };
  std::vector<Stage> ring(kRing);
  const std::size_t n = merges.size();
  for (std::size_t j = 0; j < n + kFindAt + kInsertAt; ++j) {
    if (j < n) {
      Stage& st = ring[j % kRing];
      const auto& [a, b] = merges[j];
      st.merged.assign(a);
      st.merged.append(!prefix.empty() && b.starts_with(prefix) ? b.substr(prefix.size()) : b);
      st.hash[0] = hash_bytes(a);
      st.hash[1] = hash_bytes(b);
      st.hash[2] = hash_bytes(st.merged);
      for (const uint64_t h : st.hash) vocab_.prefetch(h);
    }
    if (j >= kBytesAt && j - kBytesAt < n) {
      const std::size_t k = j - kBytesAt;
      const Stage& st = ring[k % kRing];
      vocab_.prefetch_bytes(merges[k].first, st.hash[0]);
      vocab_.prefetch_bytes(merges[k].second, st.hash[1]);
      vocab_.prefetch_bytes(st.merged, st.hash[2]);
    }
    if (j >= kFindAt && j - kFindAt < n) {
      const std::size_t rank = j - kFindAt;
      Stage& st = ring[rank % kRing];
      const auto& [a, b] = merges[rank];
      const int32_t ia = vocab_.find(a, st.hash[0]), ib = vocab_.find(b, st.hash[1]);
      if (ia < 0 || ib < 0) {
        throw Error("model.merges[" + std::to_string(rank) + "]: token \"" +
                    std::string(ia < 0 ? a : b) + "\" is not in the vocab");
      }
      st.merged_id = vocab_.find(st.merged, st.hash[2]);
      if (st.merged_id < 0) {
        throw Error("model.merges[" + std::to_string(rank) + "]: merged token \"" + st.merged +
                    "\" is not in the vocab");
      }
      st.key = pair_key(ia, ib);
      merges_.prefetch(st.key);
    }
    if (j >= kFindAt + kInsertAt) {
      const std::size_t rank = j - kFindAt - kInsertAt;
      const Stage& st = ring[rank % kRing];
      // A repeated pair keeps its last rank, as HF's map collection does.
      merges_.insert_or_assign(st.key, Merge{static_cast<int32_t>(rank), st.merged_id});
    }
  }
  if (options_.unk_token) {
    const int32_t id = vocab_.find(*options_.unk_token);
    if (id >= 0) unk_id_ = id;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    byte_fallback_ids_[b] = vocab_.find(std::string_view(name));
  }
  // One pass over the vocabulary finds every single-character token of the BMP.
  char_ids_.assign(0x10000, -1);
  vocab_.for_each([&](std::string_view token, int32_t id) {
    if (token.empty() || token.size() > 3) return;
    const int32_t cp = bmp_code_point(token);
    if (cp >= 0) char_ids_[static_cast<std::size_t>(cp)] = id;
  });
  whole_word_size_ = 0;
  vocab_.for_each([&](std::string_view, int32_t id) {
    whole_word_size_ = std::max(whole_word_size_, static_cast<std::size_t>(id) + 1);
  });
  whole_word_.reset(new std::atomic<uint8_t>[whole_word_size_]());
  // An id shared by several token strings says nothing about any one of them: never shortcut.
  std::vector<uint8_t> seen(whole_word_size_, 0);
  vocab_.for_each([&](std::string_view, int32_t id) {
    if (seen[static_cast<std::size_t>(id)]++) whole_word_[static_cast<std::size_t>(id)] = 2;
  });
  // Only for models whose words are whole lines (SentencePiece style, "▁" for spaces).
  chunking_ = options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty() &&
              !options_.ignore_merges && vocab_.contains(kMetaspaceMarker);
}

BpeModel::~BpeModel() = default;

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const int32_t id = vocab_.find(token);
  if (id < 0) return std::nullopt;
  return id;
}

void BpeModel::MergeTable::reserve(std::size_t n) {
  std::size_t capacity = 16;
  shift_ = 60;
  while (capacity < n * 2) {
    capacity <<= 1;
    --shift_;
  }
  slots_ = std::vector<Slot>();
  slots_.reserve(capacity);
  advise_huge_pages(slots_.data(), capacity * sizeof(Slot));
  slots_.assign(capacity, Slot{kEmpty, Merge{}});
  mask_ = capacity - 1;
}

void BpeModel::MergeTable::insert_or_assign(uint64_t key, Merge merge) {
  for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
    if (slots_[i].key == key || slots_[i].key == kEmpty) {
      slots_[i] = Slot{key, merge};
      return;
    }
  }
}

const BpeModel::Merge* BpeModel::find_merge(int32_t a, int32_t b) const {
  return merges_.find(pair_key(a, b));
}

namespace {

// The bytes of a UTF-8 character (1-4 bytes) as a number; distinct characters get distinct
// numbers. A pair of characters is packed as (x << 32) | y.
uint32_t char_code(std::string_view ch) {
  uint32_t v = 0;
  for (std::size_t k = 0; k < ch.size() && k < 4; ++k) {
    v |= static_cast<uint32_t>(static_cast<unsigned char>(ch[k])) << (8 * k);
  }
  return v;
}
constexpr uint64_t kNoPair = ~uint64_t{0};
std::size_t pair_slot(uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}
}  // namespace

// Models without a pre-tokenizer (Llama-2, Gemma) see whole lines as one word. A token that
// spans a cut between adjacent characters x and y is a concatenation of symbols that has x
// immediately followed by y in it, as long as x and y are plain vocab characters (not
// byte-fallback or unk, whose token strings could be anything). So when no vocab token
// contains "xy", no merge ever crosses the cut, the merges on either side never interact,
// and each chunk can be encoded (and cached) on its own with the same result.
void BpeModel::build_adjacent_pairs() const {
  bool usable = true;
  has_successor_.assign(0x10000 / 64, 0);
  has_predecessor_.assign(0x10000 / 64, 0);
  auto set_bit = [](std::vector<uint64_t>& bits, int32_t cp) {
    if (cp >= 0) bits[static_cast<std::size_t>(cp) / 64] |= uint64_t{1} << (cp % 64);
  };
  // A set that grows with the distinct pairs: vocabularies repeat most pairs many times (a
  // 262k-token vocabulary has ~1.5M pair occurrences), and a table sized for every occurrence
  // cost more in page faults than the inserts themselves. Built on first use by the thread
  // that needs it while the others wait, so its cost is a serial part of a parallel run.
  std::size_t count = 0;
  adjacent_pairs_.assign(std::size_t{1} << 16, kNoPair);
  auto place = [](std::vector<uint64_t>& table, uint64_t key) {
    const std::size_t mask = table.size() - 1;
    std::size_t i = pair_slot(key, mask);
    while (table[i] != kNoPair && table[i] != key) i = (i + 1) & mask;
    const bool fresh = table[i] == kNoPair;
    table[i] = key;
    return fresh;
  };
  auto insert = [&](uint64_t key) {
    if (key == kNoPair) {
      usable = false;  // cannot be stored (not valid UTF-8 anyway)
      return;
    }
    const uint64_t x = key >> 32, y = key & 0xFFFFFFFFu;
    if (x < 128 && y < 128) {
      ascii_pairs_[(x * 128 + y) / 64] |= uint64_t{1} << ((x * 128 + y) % 64);
      return;
    }
    if (2 * (count + 1) > adjacent_pairs_.size()) {
      std::vector<uint64_t> bigger(2 * adjacent_pairs_.size(), kNoPair);
      for (const uint64_t k : adjacent_pairs_) {
        if (k != kNoPair) place(bigger, k);
      }
      adjacent_pairs_.swap(bigger);
    }
    if (place(adjacent_pairs_, key)) ++count;
  };
  vocab_.for_each([&](std::string_view token, int32_t) {
    std::size_t i = 0;
    uint32_t prev = 0;
    int32_t prev_cp = -1;
    while (i < token.size()) {
      const std::size_t len = std::min<std::size_t>(
          utf8_sequence_length(static_cast<unsigned char>(token[i])), token.size() - i);
      const std::string_view ch = token.substr(i, len);
      const uint32_t code = char_code(ch);
      const int32_t cp = bmp_code_point(ch);
      if (i > 0) {
        insert((static_cast<uint64_t>(prev) << 32) | code);
        set_bit(has_successor_, prev_cp);
        set_bit(has_predecessor_, cp);
      }
      prev = code;
      prev_cp = cp;
      i += len;
    }
  });
  pairs_usable_ = usable;
}

bool BpeModel::is_vocab_char(std::string_view ch) const {
  const int32_t cp = bmp_code_point(ch);
  if (cp >= 0) return char_ids_[static_cast<std::size_t>(cp)] >= 0;
  return vocab_.find(ch) >= 0;
}

void BpeModel::find_chunk_starts(std::string_view word, std::vector<std::size_t>& starts) const {
  starts.clear();
  starts.push_back(0);
  std::call_once(pairs_once_, [this] { build_adjacent_pairs(); });
  if (!pairs_usable_) return;
  const std::size_t mask = adjacent_pairs_.size() - 1;
  std::string_view prev;
  bool prev_in_vocab = false;
  for (std::size_t i = 0; i < word.size();) {
    const auto lead = static_cast<unsigned char>(word[i]);
    if (lead < 0x80 &&
        (i == 0 || (prev.size() == 1 && static_cast<unsigned char>(prev[0]) < 0x80))) {
      // ASCII after ASCII (or at the start): the bit table answers.
      const bool in_vocab = char_ids_[lead] >= 0;
      if (i > 0 && in_vocab && prev_in_vocab) {
        const std::size_t bit = static_cast<unsigned char>(prev[0]) * 128u + lead;
        if (!((ascii_pairs_[bit / 64] >> (bit % 64)) & 1)) starts.push_back(i);
      }
      prev = word.substr(i, 1);
      prev_in_vocab = in_vocab;
      ++i;
      continue;
    }
    const std::size_t len = std::min<std::size_t>(utf8_sequence_length(lead), word.size() - i);
    const std::string_view ch = word.substr(i, len);
    const bool in_vocab = is_vocab_char(ch);
    if (i > 0 && in_vocab && prev_in_vocab) {
      auto bit = [](const std::vector<uint64_t>& bits, int32_t cp) {
        return cp < 0 || ((bits[static_cast<std::size_t>(cp) / 64] >> (cp % 64)) & 1);
      };
      if (!bit(has_successor_, bmp_code_point(prev)) ||
          !bit(has_predecessor_, bmp_code_point(ch))) {
        starts.push_back(i);  // no vocab token has anything after prev / before ch
        prev = ch;
        prev_in_vocab = in_vocab;
        i += len;
        continue;
      }
      const uint64_t key = (static_cast<uint64_t>(char_code(prev)) << 32) | char_code(ch);
      std::size_t k = pair_slot(key, mask);
      while (adjacent_pairs_[k] != kNoPair && adjacent_pairs_[k] != key) k = (k + 1) & mask;
      if (adjacent_pairs_[k] == kNoPair) starts.push_back(i);
    }
    prev = ch;
    prev_in_vocab = in_vocab;
    i += len;
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (word.size() > UINT32_MAX) {  // offsets below are 32-bit
    tokenize_uncached(word, ids);
    return;
  }
  thread_local std::vector<uint32_t> ends;
  ends.assign(1, static_cast<uint32_t>(word.size()));
  tokenize_words(word, ends, ids);
}

void BpeModel::tokenize_with_offsets(std::string_view word, std::vector<int32_t>& ids,
                                     std::vector<uint32_t>& starts) const {
  const std::size_t first = ids.size();
  tokenize(word, ids);
  if (ids.size() == first) return;
  if (word.size() > UINT32_MAX) throw Error("BPE: word too long for 32-bit offsets");
  thread_local std::vector<int32_t> symbols;
  thread_local std::vector<std::pair<uint32_t, uint32_t>> spans;
  symbols.clear();
  spans.clear();
  initial_symbols<true>(word, symbols, &spans);
  // Merges join neighbours, so each token is the next run of symbols: one that is still a
  // symbol (a fallback byte, an unk) is that symbol; a merged one spans its text's bytes.
  std::size_t j = 0;
  for (std::size_t k = first; k < ids.size(); ++k) {
    if (j >= symbols.size()) {
      starts.push_back(static_cast<uint32_t>(word.size()));
      continue;
    }
    starts.push_back(spans[j].first);
    if (ids[k] == symbols[j]) {
      ++j;
      continue;
    }
    const std::size_t size = token_text_size(ids[k], k == first, k + 1 == ids.size());
    for (std::size_t covered = 0; j < symbols.size() && covered < size; ++j) {
      covered += spans[j].second - spans[j].first;
    }
  }
}

std::size_t BpeModel::token_text_size(int32_t id, bool first, bool last) const {
  std::string_view token = vocab_.token(id).value_or(std::string_view());
  const std::string_view prefix = options_.continuing_subword_prefix;
  const std::string_view suffix = options_.end_of_word_suffix;
  if (!first && !prefix.empty() && token.starts_with(prefix)) token.remove_prefix(prefix.size());
  if (last && !suffix.empty() && token.ends_with(suffix)) token.remove_suffix(suffix.size());
  return token.size();
}

void BpeModel::tokenize_words(std::string_view buf, const std::vector<uint32_t>& ends,
                              std::vector<int32_t>& ids) const {
  // Long words of chunking models are replaced by their chunks.
  const std::vector<uint32_t>* segments = &ends;
  if (chunking_) {
    thread_local std::vector<uint32_t> chunk_ends;
    thread_local std::vector<std::size_t> starts;
    chunk_ends.clear();
    for (std::size_t k = 0, begin = 0; k < ends.size(); begin = ends[k++]) {
      if (ends[k] - begin >= kChunkingMinBytes) {
        find_chunk_starts(buf.substr(begin, ends[k] - begin), starts);
        for (std::size_t c = 1; c < starts.size(); ++c) {
          chunk_ends.push_back(static_cast<uint32_t>(begin + starts[c]));
        }
      }
      chunk_ends.push_back(ends[k]);
    }
    segments = &chunk_ends;
  }
  encode_segments(buf, *segments, ids);
}

void BpeModel::encode_segments(std::string_view buf, const std::vector<uint32_t>& ends,
                               std::vector<int32_t>& ids) const {
  thread_local std::vector<uint64_t> hashes;
  const std::size_t n = ends.size();
  hashes.resize(n);
  for (std::size_t k = 0, begin = 0; k < n; begin = ends[k++]) {
    const std::size_t size = ends[k] - begin;
    hashes[k] = size <= kMaxCachedWordBytes ? hash_bytes(buf.substr(begin, size)) : 0;
  }
  // Vocabulary and cache slots (then the token bytes) a few words ahead.
  constexpr std::size_t kSlotsAhead = 8, kBytesAhead = 4;
  for (std::size_t k = 0; k < std::min(n, kSlotsAhead); ++k) {
    vocab_.prefetch(hashes[k]);
    cache_->prefetch(hashes[k]);
  }
  for (std::size_t k = 0, begin = 0; k < n; begin = ends[k++]) {
    if (k + kSlotsAhead < n) {
      vocab_.prefetch(hashes[k + kSlotsAhead]);
      cache_->prefetch(hashes[k + kSlotsAhead]);
    }
    if (k + kBytesAhead < n) {
      const std::size_t b = ends[k + kBytesAhead - 1];
      vocab_.prefetch_bytes(buf.substr(b, ends[k + kBytesAhead] - b), hashes[k + kBytesAhead]);
    }
    const std::string_view word = buf.substr(begin, ends[k] - begin);
    if (word.empty()) continue;
    if (word.size() > kMaxCachedWordBytes) {
      tokenize_uncached(word, ids);
    } else {
      tokenize_hashed(word, hashes[k], ids);
    }
  }
}

void BpeModel::tokenize_hashed(std::string_view word, uint64_t hash,
                               std::vector<int32_t>& ids) const {
  // Affixes make a word's tokens differ from its vocab entry; without them a word that is a
  // vocab entry is usually its own single token (always with ignore_merges).
  const bool has_affixes =
      !options_.continuing_subword_prefix.empty() || !options_.end_of_word_suffix.empty();
  if (!has_affixes) {
    const int32_t id = vocab_.find(word, hash);
    if (id >= 0) {
      if (options_.ignore_merges) {
        ids.push_back(id);
        return;
      }
      std::atomic<uint8_t>& state = whole_word_[static_cast<std::size_t>(id)];
      const uint8_t known = state.load(std::memory_order_relaxed);
      if (known == 1) {
        ids.push_back(id);
        return;
      }
      if (known == 0) {
        const std::size_t first = ids.size();
        tokenize_uncached(word, ids);
        const bool single = ids.size() == first + 1 && ids[first] == id;
        state.store(single ? 1 : 2, std::memory_order_relaxed);
        if (!single) cache_->insert(word, hash, ids.data() + first, ids.size() - first);
        return;
      }
    }
  }
  if (cache_->lookup(word, hash, ids)) return;
  const std::size_t first = ids.size();
  tokenize_uncached(word, ids);
  cache_->insert(word, hash, ids.data() + first, ids.size() - first);
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    if (const int32_t id = vocab_.find(word); id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  // Reused per thread so the merge loop does not allocate in steady state.
  thread_local std::vector<int32_t> symbols;
  symbols.clear();
  initial_symbols<false>(word, symbols, nullptr);
  if (symbols.empty()) return;
  // The first lookups of all adjacent pairs are independent: let their misses overlap.
  for (std::size_t p = 0; p + 1 < symbols.size(); ++p)
    merges_.prefetch(pair_key(symbols[p], symbols[p + 1]));
  if (symbols.size() <= kSmallWordSymbols) {
    merge_short(symbols, ids);
  } else {
    merge_long(symbols, ids);
  }
}

template <bool kSpans>
void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>& symbols,
                               std::vector<std::pair<uint32_t, uint32_t>>* spans) const {
  thread_local std::string scratch;
  bool last_was_unk = false;
  auto push = [&](int32_t id, std::size_t begin, std::size_t end) {
    symbols.push_back(id);
    if constexpr (kSpans) spans->emplace_back(begin, end);
    last_was_unk = false;
  };
  const bool has_affixes =
      !options_.continuing_subword_prefix.empty() || !options_.end_of_word_suffix.empty();
  std::size_t i = 0;
  while (i < word.size()) {
    const std::size_t start = i;
    const auto lead = static_cast<unsigned char>(word[i]);
    if (!has_affixes && lead < 0x80 && char_ids_[lead] >= 0) {
      push(char_ids_[lead], start, start + 1);
      ++i;
      continue;
    }
    i += utf8_sequence_length(lead);
    if (i > word.size()) i = word.size();
    const std::string_view ch = word.substr(start, i - start);
    // Without affixes the table resolves every BMP character; the rest needs the vocab.
    const int32_t cp = has_affixes ? -1 : bmp_code_point(ch);
    if (cp >= 0) {
      if (const int32_t id = char_ids_[static_cast<std::size_t>(cp)]; id >= 0) {
        push(id, start, i);
        continue;
      }
    } else {
      std::string_view lookup = ch;
      if (has_affixes) {
        scratch.clear();
        if (start > 0) scratch.append(options_.continuing_subword_prefix);
        scratch.append(ch);
        if (i == word.size()) scratch.append(options_.end_of_word_suffix);
        lookup = scratch;
      }
      if (const int32_t id = vocab_.find(lookup); id >= 0) {
        push(id, start, i);
        continue;
      }
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (unsigned char b : ch) all = all && byte_fallback_ids_[b] >= 0;
      if (all) {
        for (std::size_t k = 0; k < ch.size(); ++k) {
          push(byte_fallback_ids_[static_cast<unsigned char>(ch[k])], start + k, start + k + 1);
        }
        continue;
      }
    }
    if (unk_id_) {
      if (!(options_.fuse_unk && last_was_unk)) {
        symbols.push_back(*unk_id_);
        if constexpr (kSpans) spans->emplace_back(start, i);
      } else if constexpr (kSpans) {
        spans->back().second = static_cast<uint32_t>(i);  // the fused unk grows
      }
      last_was_unk = true;
    }
  }
}

void BpeModel::merge_short(std::vector<int32_t>& sym, std::vector<int32_t>& ids) const {
  // The pair ranks in an array, the lowest (leftmost on ties) merged until none is left: the
  // heap's order with two lookups per merge and no heap.
  thread_local std::vector<Merge> pair;  // pair[i]: merge of sym[i], sym[i + 1]
  constexpr Merge kNone{INT32_MAX, -1};
  auto merge_of = [&](int32_t a, int32_t b) {
    const Merge* m = find_merge(a, b);
    return m ? *m : kNone;
  };
  pair.clear();
  for (std::size_t p = 0; p + 1 < sym.size(); ++p) pair.push_back(merge_of(sym[p], sym[p + 1]));
  while (!pair.empty()) {
    std::size_t best = 0;
    for (std::size_t p = 1; p < pair.size(); ++p) {
      if (pair[p].rank < pair[best].rank) best = p;
    }
    if (pair[best].rank == INT32_MAX) break;
    sym[best] = pair[best].new_id;
    sym.erase(sym.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    pair.erase(pair.begin() + static_cast<std::ptrdiff_t>(best));
    if (best > 0) pair[best - 1] = merge_of(sym[best - 1], sym[best]);
    if (best < pair.size()) pair[best] = merge_of(sym[best], sym[best + 1]);
  }
  ids.insert(ids.end(), sym.begin(), sym.end());
}

void BpeModel::merge_long(const std::vector<int32_t>& initial, std::vector<int32_t>& ids) const {
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t new_id;
    // std::push_heap builds a max-heap; "greater" means lower priority.
    bool operator<(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap;
  symbols.clear();
  heap.clear();
  const auto n = static_cast<int32_t>(initial.size());
  for (int32_t p = 0; p < n; ++p)
    symbols.push_back(Symbol{initial[p], p - 1, p + 1 < n ? p + 1 : -1});
  auto consider = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    if (const Merge* m = find_merge(symbols[pos].id, symbols[next].id)) {
      heap.push_back(Candidate{m->rank, pos, m->new_id});
      std::push_heap(heap.begin(), heap.end());
    }
  };
  for (int32_t p = 0; p + 1 < n; ++p) consider(p);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.pos];
    if (left.id < 0 || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    // Skip stale candidates: the pair changed since this one was queued.
    const Merge* m = find_merge(left.id, right.id);
    if (!m || m->new_id != top.new_id || m->rank != top.rank) continue;
    left.id = top.new_id;
    right.id = -1;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }
  for (int32_t p = 0; p >= 0; p = symbols[p].next) ids.push_back(symbols[p].id);
}

}  // namespace instill::tokenizer
