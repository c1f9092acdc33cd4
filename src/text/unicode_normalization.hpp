#pragma once
// Unicode normalization forms and case mapping (utf8proc based). Input must be valid UTF-8.
#include <string>
#include <string_view>

namespace instill::text {

enum class NormalizationForm { kNFC, kNFD, kNFKC, kNFKD };

std::string normalize(std::string_view s, NormalizationForm form);

// Full lowercase mapping per code point, like Rust's char::to_lowercase (no context rules).
std::string to_lowercase(std::string_view s);

// Removes combining marks (\p{Mn}), as HF's StripAccents does after NFD.
std::string strip_accents(std::string_view s);

}  // namespace instill::text
