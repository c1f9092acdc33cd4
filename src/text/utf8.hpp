#pragma once
// UTF-8 decoding/encoding helpers shared by the tokenizer and other text code.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace instill::text {

// Decodes the code point starting at s[i] and advances i past it. Returns false (and
// leaves i unchanged) when the bytes there are not valid UTF-8.
bool decode_utf8(std::string_view s, std::size_t& i, char32_t& cp);

// Decodes assuming valid UTF-8 (caller validated); always advances i.
char32_t decode_utf8_unchecked(std::string_view s, std::size_t& i);

using instill::append_utf8;  // core/utf8.hpp

// True when s is valid UTF-8 without surrogates; otherwise sets *error_offset.
bool is_valid_utf8(std::string_view s, std::size_t* error_offset = nullptr);

// Like Rust's String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD.
std::string utf8_lossy(std::string_view bytes);

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for invalid leads).
inline std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace instill::text
