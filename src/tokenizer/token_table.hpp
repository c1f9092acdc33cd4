#pragma once
// String <-> id tables for large vocabularies: every token's bytes live in one contiguous
// arena, and string -> id is an open-addressing hash table of 16-byte slots (hash tag, id,
// arena offset, length), so a lookup is one hash of the bytes, usually one slot probe and one
// memcmp, with no allocation and no std::string anywhere.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/huge_pages.hpp"

namespace instill::tokenizer {

// Fast 64-bit hash of a byte string (multiply-xorshift mixing, 8 bytes per step). Not
// cryptographic; only used for in-memory tables.
inline uint64_t hash_bytes(std::string_view s) {
  constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
  constexpr uint64_t kMul2 = 0xBF58476D1CE4E5B9ull;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  uint64_t h = (static_cast<uint64_t>(n) + 1) * kMul1;
  auto load64 = [](const unsigned char* q) {
    uint64_t w;
    std::memcpy(&w, q, 8);
    return w;
  };
  auto load32 = [](const unsigned char* q) {
    uint32_t w;
    std::memcpy(&w, q, 4);
    return static_cast<uint64_t>(w);
  };
  while (n > 8) {
    h = (h ^ load64(p)) * kMul2;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w;
  if (n >= 4) {
    w = load32(p) | (load32(p + n - 4) << 32);  // the two halves may overlap
  } else if (n > 0) {
    w = static_cast<uint64_t>(p[0]) | (static_cast<uint64_t>(p[n / 2]) << 8) |
        (static_cast<uint64_t>(p[n - 1]) << 16);
  } else {
    w = 0;
  }
  h = (h ^ w) * kMul1;
  h ^= h >> 32;
  h *= kMul2;
  h ^= h >> 29;
  return h;
}

class TokenTable {
 public:
  // Expected number of tokens and total bytes (avoids regrowing; both may be exceeded).
  void reserve(std::size_t tokens, std::size_t bytes);
  // Maps token -> id. A token inserted again gets the new id (like a JSON object read into a
  // map: the last duplicate key wins).
  void insert(std::string_view token, int32_t id) { insert(token, id, hash_bytes(token)); }
  void insert(std::string_view token, int32_t id, uint64_t hash);
  // Starts loading the memory a lookup of this hash will read first (for batched lookups).
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
  // Once prefetch()ed slots have arrived: starts loading the bytes of the entry a lookup of
  // (token, hash) will most likely compare against.
  void prefetch_bytes(std::string_view token, uint64_t hash) const {
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.len == kEmptyLen) return;
      if (s.tag == tag && s.len == token.size()) {
        __builtin_prefetch(arena_.data() + s.off);
        return;
      }
    }
  }
  // Builds the id -> token direction; call once after the last insert. Throws instill::Error
  // when ids are absurdly sparse for the vocabulary size.
  void finalize();

  // Id of token, or -1. `hash` must be hash_bytes(token).
  int32_t find(std::string_view token, uint64_t hash) const {
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.len == kEmptyLen) return -1;
      if (s.tag == tag && s.len == token.size() &&
          std::memcmp(arena_.data() + s.off, token.data(), token.size()) == 0) {
        return s.id;
      }
    }
  }
  int32_t find(std::string_view token) const {
    if (slots_.empty()) return -1;
    return find(token, hash_bytes(token));
  }
  bool contains(std::string_view token) const { return find(token) >= 0; }

  // Token of an id (after finalize()).
  std::optional<std::string_view> token(int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= by_id_.size()) return std::nullopt;
    const Ref r = by_id_[static_cast<std::size_t>(id)];
    if (r.len == kEmptyLen) return std::nullopt;
    return std::string_view(arena_.data() + r.off, r.len);
  }

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Calls fn(token, id) for every entry (in no particular order).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& s : slots_) {
      if (s.len != kEmptyLen) fn(std::string_view(arena_.data() + s.off, s.len), s.id);
    }
  }

 private:
  static constexpr uint32_t kEmptyLen = ~uint32_t{0};
  struct Slot {
    uint32_t tag;
    int32_t id;
    uint32_t off;
    uint32_t len;  // kEmptyLen: free slot
  };
  struct Ref {
    uint32_t off;
    uint32_t len;
  };
  void rehash(std::size_t capacity);

  std::string arena_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  bool had_duplicates_ = false;
  std::vector<Ref> by_id_;
  // (id, arena offset, length) per insert, in order, for finalize().
  struct Insert {
    int32_t id;
    uint32_t off;
    uint32_t len;
  };
  std::vector<Insert> inserts_;
};

}  // namespace instill::tokenizer
