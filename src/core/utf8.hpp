#pragma once
// The one UTF-8 module: encoding, decoding (lenient, strict and for validated text),
// validation and lossy repair. It lives in core because core's Python writers need it too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace instill {

// Appends `cp` as UTF-8. Surrogates are written as 3-byte sequences (WTF-8), the way Python
// strings can hold them.
void append_utf8(std::string& out, char32_t cp);

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for invalid leads).
inline std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Lenient: decodes the sequence at s[i] (surrogates included) and sets `length`; a byte that
// starts no complete sequence decodes as itself with length 1, so that nothing is lost.
// Inline because the tokenizer's BPE calls it per character.
inline uint32_t decode_utf8_at(std::string_view s, std::size_t i, std::size_t& length) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto bits = [&](std::size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if (b0 >= 0x80) {
    if ((b0 & 0xE0) == 0xC0 && cont(1)) {
      length = 2;
      return ((b0 & 0x1Fu) << 6) | bits(1);
    }
    if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
      length = 3;
      return ((b0 & 0x0Fu) << 12) | (bits(1) << 6) | bits(2);
    }
    if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
      length = 4;
      return ((b0 & 0x07u) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    }
  }
  length = 1;
  return b0;
}

// Strict: decodes the code point starting at s[i] and advances i past it. Returns false (and
// leaves i unchanged) when the bytes there are not valid UTF-8 (surrogates are not).
bool decode_utf8(std::string_view s, std::size_t& i, char32_t& cp);

// Decodes assuming valid UTF-8 (the caller validated); always advances i.
char32_t decode_utf8_unchecked(std::string_view s, std::size_t& i);

// True when s is valid UTF-8 without surrogates; otherwise sets *error_offset.
bool is_valid_utf8(std::string_view s, std::size_t* error_offset = nullptr);

// Like Rust's String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD.
std::string utf8_lossy(std::string_view bytes);

}  // namespace instill
