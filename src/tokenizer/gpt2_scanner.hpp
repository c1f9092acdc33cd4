#pragma once
// Hand-written equivalents of the well-known pre-tokenization regexes (GPT-2, Llama-3,
// Qwen2) that produce exactly the same matches as PCRE2 does for the pattern text, without
// a regex engine. Input must be valid UTF-8.
#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer/split_regex.hpp"

namespace instill::tokenizer {

enum class ScannerKind {
  kGpt2,    // 's|'t|...| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kLlama3,  // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|...
  kQwen2,   // as Llama-3 with \p{N} single digits
};

// Recognises a regex the scanner implements verbatim.
std::optional<ScannerKind> scanner_for_regex(std::string_view pattern);

// Appends the matches of the pattern over text (they tile the text for these patterns).
void scan_pre_tokens(ScannerKind kind, std::string_view text, std::vector<Span>& out);

}  // namespace instill::tokenizer
