#pragma once
// GPT-2's reversible byte <-> printable-character mapping used by ByteLevel components.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace instill::tokenizer {

// The UTF-8 encoding of the character that stands for each byte.
const std::array<std::string, 256>& byte_to_unicode_table();

// Appends the byte-level representation of raw bytes to out.
void append_byte_level(std::string& out, std::string_view bytes);

namespace detail {
// Each byte's character as UTF-8 (1 or 2 bytes: all are below U+0800) and its length.
struct ByteLevelChar {
  char utf8[2];
  uint8_t len;
};
inline constexpr std::array<ByteLevelChar, 256> kByteLevelChars = [] {
  std::array<ByteLevelChar, 256> t{};
  unsigned next = 256;  // printable bytes map to themselves, the rest to 256, 257, ...
  for (unsigned b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const unsigned cp = printable ? b : next++;
    if (cp < 0x80) {
      t[b] = ByteLevelChar{{static_cast<char>(cp), 0}, 1};
    } else {
      t[b] = ByteLevelChar{
          {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))}, 2};
    }
  }
  return t;
}();
}  // namespace detail

// Writes the byte-level representation at out (room for 2 * bytes.size() chars needed);
// returns the end.
inline char* write_byte_level(char* out, std::string_view bytes) {
  for (unsigned char b : bytes) {
    const detail::ByteLevelChar& e = detail::kByteLevelChars[b];
    out[0] = e.utf8[0];
    out[1] = e.utf8[1];
    out += e.len;
  }
  return out;
}

// The byte a character stands for, if it is one of the 256 mapped characters.
std::optional<uint8_t> unicode_to_byte(char32_t cp);

// The GPT-2 splitting regex used by ByteLevel(use_regex=true).
inline constexpr std::string_view kGpt2SplitRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace instill::tokenizer
