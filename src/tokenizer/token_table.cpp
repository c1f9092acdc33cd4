#include "tokenizer/token_table.hpp"

#include <algorithm>
#include <limits>

#include "core/error.hpp"

namespace instill::tokenizer {

void TokenTable::reserve(std::size_t tokens, std::size_t bytes) {
  arena_.reserve(arena_.size() + bytes);
  inserts_.reserve(inserts_.size() + tokens);
  std::size_t capacity = 16;
  while (capacity < 2 * (count_ + tokens)) capacity <<= 1;  // load factor <= 1/2
  if (capacity > slots_.size()) rehash(capacity);
}

void TokenTable::rehash(std::size_t capacity) {
  std::vector<Slot> old = std::move(slots_);
  slots_ = std::vector<Slot>();
  slots_.reserve(capacity);
  advise_huge_pages(slots_.data(), capacity * sizeof(Slot));
  slots_.assign(capacity, Slot{0, -1, 0, kEmptyLen});
  mask_ = capacity - 1;
  for (const Slot& s : old) {
    if (s.len == kEmptyLen) continue;
    const uint64_t h = hash_bytes(std::string_view(arena_.data() + s.off, s.len));
    std::size_t i = h & mask_;
    while (slots_[i].len != kEmptyLen) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void TokenTable::insert(std::string_view token, int32_t id, uint64_t h) {
  if (token.size() >= kEmptyLen || arena_.size() + token.size() > kEmptyLen) {
    throw Error("vocabulary too large");
  }
  if (2 * (count_ + 1) > slots_.size()) rehash(std::max<std::size_t>(16, slots_.size() * 2));
  const auto tag = static_cast<uint32_t>(h >> 32);
  std::size_t i = h & mask_;
  for (;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.len == kEmptyLen) break;
    if (s.tag == tag && s.len == token.size() &&
        std::memcmp(arena_.data() + s.off, token.data(), token.size()) == 0) {
      s.id = id;
      had_duplicates_ = true;
      inserts_.push_back(Insert{id, s.off, s.len});
      return;
    }
  }
  const auto off = static_cast<uint32_t>(arena_.size());
  arena_.append(token);
  slots_[i] = Slot{tag, id, off, static_cast<uint32_t>(token.size())};
  inserts_.push_back(Insert{id, off, static_cast<uint32_t>(token.size())});
  ++count_;
}

void TokenTable::finalize() {
  if (slots_.empty()) rehash(16);
  int32_t max_id = -1;
  for (const Insert& e : inserts_) max_id = std::max(max_id, e.id);
  // A dense table is used for id -> token; refuse absurdly sparse ids instead of exhausting
  // memory on a malformed file.
  if (max_id > 0 && static_cast<std::size_t>(max_id) > 16 * count_ + (1u << 20)) {
    throw Error("model.vocab: id " + std::to_string(max_id) +
                " is far beyond the vocabulary size " + std::to_string(count_));
  }
  by_id_.assign(static_cast<std::size_t>(max_id + 1), Ref{0, kEmptyLen});
  for (const Insert& e : inserts_) {
    // A key that was given again later maps to its last id only.
    if (had_duplicates_ && find(std::string_view(arena_.data() + e.off, e.len)) != e.id) continue;
    by_id_[static_cast<std::size_t>(e.id)] = Ref{e.off, e.len};
  }
  inserts_.clear();
  inserts_.shrink_to_fit();
}

}  // namespace instill::tokenizer
