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

// The byte a character stands for, if it is one of the 256 mapped characters.
std::optional<uint8_t> unicode_to_byte(char32_t cp);

// The GPT-2 splitting regex used by ByteLevel(use_regex=true).
inline constexpr std::string_view kGpt2SplitRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace instill::tokenizer
