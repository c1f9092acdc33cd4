#include "tokenizer/bpe_model.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"
#include "text/utf8.hpp"

namespace instill::tokenizer {

BpeModel::BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                   BpeOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)), cache_(new CacheShard[kCacheShards]) {
  id_to_token_ = invert_vocab(vocab_, id_present_);
  merges_.reserve(merges.size() + 1);
  const std::size_t prefix_len = options_.continuing_subword_prefix.size();
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const auto ia = vocab_.find(a), ib = vocab_.find(b);
    if (ia == vocab_.end() || ib == vocab_.end()) {
      throw Error("model.merges[" + std::to_string(rank) + "]: token \"" +
                  (ia == vocab_.end() ? a : b) + "\" is not in the vocab");
    }
    // The merged token drops the right part's continuing-subword prefix.
    std::string merged = a;
    if (prefix_len > 0 && b.compare(0, prefix_len, options_.continuing_subword_prefix) == 0) {
      merged.append(b, prefix_len, std::string::npos);
    } else {
      merged.append(b);
    }
    const auto im = vocab_.find(merged);
    if (im == vocab_.end()) {
      throw Error("model.merges[" + std::to_string(rank) + "]: merged token \"" + merged +
                  "\" is not in the vocab");
    }
    // A repeated pair keeps its last rank, as HF's map collection does.
    merges_.insert_or_assign(pair_key(ia->second, ib->second),
                             Merge{static_cast<int32_t>(rank), im->second});
  }
  if (options_.unk_token) {
    const auto it = vocab_.find(*options_.unk_token);
    if (it != vocab_.end()) unk_id_ = it->second;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    const auto it = vocab_.find(std::string_view(name));
    byte_fallback_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  for (int c = 0; c < 128; ++c) {
    const char ch = static_cast<char>(c);
    const auto it = vocab_.find(std::string_view(&ch, 1));
    ascii_ids_[c] = it == vocab_.end() ? -1 : it->second;
  }
  two_byte_ids_.fill(-1);
  for (uint32_t cp = 0x80; cp < 0x800; ++cp) {
    const char utf8[2] = {static_cast<char>(0xC0 | (cp >> 6)),
                          static_cast<char>(0x80 | (cp & 0x3F))};
    const auto it = vocab_.find(std::string_view(utf8, 2));
    if (it != vocab_.end()) two_byte_ids_[cp] = it->second;
  }
  prepare_metaspace_chunking();
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size() || !id_present_[id]) {
    return nullptr;
  }
  return &id_to_token_[id];
}

void BpeModel::MergeTable::reserve(std::size_t n) {
  std::size_t capacity = 16;
  shift_ = 60;
  while (capacity < n * 2) {
    capacity <<= 1;
    --shift_;
  }
  keys_.assign(capacity, kEmpty);
  values_.assign(capacity, Merge{});
  mask_ = capacity - 1;
}

void BpeModel::MergeTable::insert_or_assign(uint64_t key, Merge merge) {
  for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
    if (keys_[i] == key || keys_[i] == kEmpty) {
      keys_[i] = key;
      values_[i] = merge;
      return;
    }
  }
}

const BpeModel::Merge* BpeModel::find_merge(int32_t a, int32_t b) const {
  return merges_.find(pair_key(a, b));
}

namespace {
constexpr std::string_view kMetaspaceMarker = "\xE2\x96\x81";  // U+2581
constexpr std::size_t kChunkingMinBytes = 64;

// Start of the UTF-8 character that ends at `end` (end > 0).
std::size_t previous_char_start(std::string_view s, std::size_t end) {
  std::size_t p = end - 1;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  return p;
}
}  // namespace

// Models without a pre-tokenizer (Llama-2, Gemma) see whole lines as one word. A token that
// spans a cut before a "▁" preceded by char c must contain "c▁", so cutting there is
// exact whenever no vocab token contains c followed by "▁" and c is a plain vocab
// character (not byte-fallback or unk, whose token strings could match anything). Then each
// chunk is encoded (and cached) on its own.
void BpeModel::prepare_metaspace_chunking() {
  // Affixes depend on the position in the word, and ignore_merges looks at the whole word.
  if (!options_.continuing_subword_prefix.empty() || !options_.end_of_word_suffix.empty() ||
      options_.ignore_merges || !vocab_.count(kMetaspaceMarker)) {
    return;
  }
  for (const auto& [token, id] : vocab_) {
    std::size_t pos = token.find(kMetaspaceMarker, 1);
    while (pos != std::string::npos) {
      const std::size_t c = previous_char_start(token, pos);
      const std::string_view ch = std::string_view(token).substr(c, pos - c);
      if (ch != kMetaspaceMarker) chars_before_marker_.emplace(std::string(ch), true);
      pos = token.find(kMetaspaceMarker, pos + 1);
    }
  }
  metaspace_chunking_ = true;
}

void BpeModel::find_chunk_starts(std::string_view word, std::vector<std::size_t>& starts) const {
  starts.clear();
  starts.push_back(0);
  std::size_t pos = word.find(kMetaspaceMarker, 1);
  while (pos != std::string_view::npos) {
    const std::size_t c = previous_char_start(word, pos);
    const std::string_view ch = word.substr(c, pos - c);
    if (ch != kMetaspaceMarker && !chars_before_marker_.count(ch) && vocab_.count(ch)) {
      starts.push_back(pos);
    }
    pos = word.find(kMetaspaceMarker, pos + 1);
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (metaspace_chunking_ && word.size() >= kChunkingMinBytes) {
    thread_local std::vector<std::size_t> starts;
    find_chunk_starts(word, starts);
    starts.push_back(word.size());
    for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
      tokenize_cached(word.substr(starts[k], starts[k + 1] - starts[k]), ids);
    }
    return;
  }
  tokenize_cached(word, ids);
}

void BpeModel::tokenize_cached(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.size() > kMaxCachedWordBytes) {
    tokenize_uncached(word, ids);
    return;
  }
  CacheShard& shard = cache_[std::hash<std::string_view>{}(word) % kCacheShards];
  {
    std::lock_guard lock(shard.mutex);
    const auto it = shard.map.find(word);
    if (it != shard.map.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const std::size_t first = ids.size();
  tokenize_uncached(word, ids);
  std::lock_guard lock(shard.mutex);
  if (shard.map.size() < kCacheEntriesPerShard) {
    shard.map.try_emplace(std::string(word), ids.begin() + static_cast<std::ptrdiff_t>(first),
                          ids.end());
  }
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    if (const auto it = vocab_.find(word); it != vocab_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
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
  // Reused per thread so the merge loop does not allocate in steady state.
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap;
  thread_local std::string scratch;
  symbols.clear();
  heap.clear();

  bool last_was_unk = false;
  auto push_symbol = [&](int32_t id) {
    symbols.push_back(Symbol{id, static_cast<int32_t>(symbols.size()) - 1,
                             static_cast<int32_t>(symbols.size()) + 1});
  };
  const bool has_affixes =
      !options_.continuing_subword_prefix.empty() || !options_.end_of_word_suffix.empty();
  std::size_t i = 0;
  while (i < word.size()) {
    const std::size_t start = i;
    i += text::utf8_sequence_length(static_cast<unsigned char>(word[i]));
    if (i > word.size()) i = word.size();
    std::string_view ch = word.substr(start, i - start);
    const auto lead = static_cast<unsigned char>(ch[0]);
    if (!has_affixes && lead < 0x80 && ascii_ids_[lead] >= 0) {
      push_symbol(ascii_ids_[lead]);
      last_was_unk = false;
      continue;
    }
    if (!has_affixes && ch.size() == 2 && lead >= 0xC2 && lead <= 0xDF &&
        (static_cast<unsigned char>(ch[1]) & 0xC0) == 0x80) {
      const uint32_t cp = ((lead & 0x1Fu) << 6) | (static_cast<unsigned char>(ch[1]) & 0x3Fu);
      if (two_byte_ids_[cp] >= 0) {
        push_symbol(two_byte_ids_[cp]);
        last_was_unk = false;
        continue;
      }
    }
    std::string_view lookup = ch;
    if (has_affixes) {
      scratch.clear();
      if (start > 0) scratch.append(options_.continuing_subword_prefix);
      scratch.append(ch);
      if (i == word.size()) scratch.append(options_.end_of_word_suffix);
      lookup = scratch;
    }
    if (const auto it = vocab_.find(lookup); it != vocab_.end()) {
      push_symbol(it->second);
      last_was_unk = false;
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (unsigned char b : ch) all = all && byte_fallback_ids_[b] >= 0;
      if (all) {
        for (unsigned char b : ch) push_symbol(byte_fallback_ids_[b]);
        last_was_unk = false;
        continue;
      }
    }
    if (unk_id_) {
      if (!(options_.fuse_unk && last_was_unk)) push_symbol(*unk_id_);
      last_was_unk = true;
    }
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  auto consider = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    if (const Merge* m = find_merge(symbols[pos].id, symbols[next].id)) {
      heap.push_back(Candidate{m->rank, pos, m->new_id});
      std::push_heap(heap.begin(), heap.end());
    }
  };
  for (int32_t p = 0; p + 1 < static_cast<int32_t>(symbols.size()); ++p) consider(p);

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
