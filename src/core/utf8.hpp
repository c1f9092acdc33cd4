#pragma once
// The UTF-8 primitives every layer needs (core's Python writers included, which cannot
// depend on src/text): encoding one code point, and lenient decoding of one sequence.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace instill {

// Appends `cp` as UTF-8. Surrogates are written as 3-byte sequences (WTF-8), the way Python
// strings can hold them.
void append_utf8(std::string& out, char32_t cp);

// Decodes the sequence at s[i] and sets `length`; a byte that starts no complete sequence
// decodes as itself with length 1 (callers working on validated text never see that).
uint32_t decode_utf8_at(std::string_view s, size_t i, size_t& length);

}  // namespace instill
