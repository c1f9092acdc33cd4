#pragma once
// Unicode character classes as the tokenizer regexes and Rust's char methods see them.
namespace instill::text {

bool is_letter(char32_t cp);        // \p{L}
bool is_number(char32_t cp);        // \p{N}
bool is_mark(char32_t cp);          // \p{M}
bool is_whitespace(char32_t cp);    // Unicode White_Space (Rust char::is_whitespace, regex \s)
bool is_alphanumeric(char32_t cp);  // Rust char::is_alphanumeric (approximated by L|Nl|N)
bool is_word_char(char32_t cp);     // regex \w: alphanumeric, marks, connector punctuation
bool is_punctuation(char32_t cp);   // \p{P}
bool is_control(char32_t cp);       // \p{Cc}|\p{Cf}... as used by BERT cleaning (Cc, Cf, Co, Cn)
bool is_cjk(char32_t cp);           // CJK ideograph blocks used by BERT

}  // namespace instill::text
