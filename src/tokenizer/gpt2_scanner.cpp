#include "tokenizer/gpt2_scanner.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "core/utf8.hpp"
#include "tokenizer/byte_level.hpp"

namespace instill::tokenizer {
namespace {

constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

enum Class : uint8_t { kLetter, kNumber, kSpace, kOther };

// Non-ASCII classes come from PCRE2 itself (memoised per code point), so the scanner agrees
// with the regex engine even where its Unicode tables differ from utf8proc's.
Class classify_with_pcre2(char32_t cp) {
  static const SplitPattern letter(R"(\p{L})", true), number(R"(\p{N})", true),
      space(R"(\s)", true);
  std::string ch;
  append_utf8(ch, cp);
  std::vector<Span> m;
  letter.find_all(ch, m);
  if (!m.empty()) return kLetter;
  number.find_all(ch, m);
  if (!m.empty()) return kNumber;
  space.find_all(ch, m);
  return m.empty() ? kOther : kSpace;
}

constexpr Class classify_ascii(char32_t cp) {
  if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return kLetter;
  if (cp >= '0' && cp <= '9') return kNumber;
  return (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) ? kSpace : kOther;
}

constexpr std::array<Class, 128> kAsciiClasses = [] {
  std::array<Class, 128> t{};
  for (char32_t c = 0; c < 128; ++c) t[c] = classify_ascii(c);
  return t;
}();

// 0 = not yet known, else class + 1. Relaxed atomics: racing writers store the same value.
std::atomic<uint8_t>* class_memo() {
  static const std::unique_ptr<std::atomic<uint8_t>[]> memo(new std::atomic<uint8_t>[0x110000]());
  return memo.get();
}

Class classify(char32_t cp, std::atomic<uint8_t>* memo) {
  if (cp < 0x80) return kAsciiClasses[cp];
  if (cp >= 0x110000) return kOther;
  uint8_t v = memo[cp].load(std::memory_order_relaxed);
  if (v == 0) {
    v = static_cast<uint8_t>(classify_with_pcre2(cp) + 1);
    memo[cp].store(v, std::memory_order_relaxed);
  }
  return static_cast<Class>(v - 1);
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s), memo_(class_memo()) {}
  // Class and byte length of the character at i (i < size).
  Class at(std::size_t i, std::size_t& len) const {
    const auto b = static_cast<unsigned char>(s_[i]);
    if (b < 0x80) {
      len = 1;
      return kAsciiClasses[b];
    }
    std::size_t j = i;
    const char32_t cp = decode_utf8_unchecked(s_, j);
    len = j - i;
    return classify(cp, memo_);
  }
  // End of the run of characters of class c starting at i (at most max_count characters).
  std::size_t run(std::size_t i, Class c, std::size_t max_count = SIZE_MAX) const {
    std::size_t count = 0, len = 0;
    const std::size_t n = s_.size();
    while (i < n && count < max_count) {
      const auto b = static_cast<unsigned char>(s_[i]);
      if (b < 0x80) {
        if (kAsciiClasses[b] != c) break;
        ++i;
      } else {
        if (at(i, len) != c) break;
        i += len;
      }
      ++count;
    }
    return i;
  }
  std::size_t size() const { return s_.size(); }
  unsigned char byte(std::size_t i) const { return static_cast<unsigned char>(s_[i]); }

 private:
  std::string_view s_;
  std::atomic<uint8_t>* memo_;
};

// Length of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0. Caseless variant follows
// PCRE2's Unicode case folding, where 's' also matches U+017F.
std::size_t contraction_length(const Cursor& c, std::size_t i, bool caseless) {
  if (c.byte(i) != '\'' || i + 1 >= c.size()) return 0;
  auto lower = [&](std::size_t k) -> int {
    if (k >= c.size()) return -1;
    const int b = c.byte(k);
    return caseless && b >= 'A' && b <= 'Z' ? b + 32 : b;
  };
  const int a = lower(i + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (caseless && a == 0xC5 && lower(i + 2) == 0xBF) return 3;  // U+017F long s
  const int b = lower(i + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// `\s+(?!\S)|\s+` at a whitespace character: the run minus its last character when a
// non-space follows, but never less than one character.
std::size_t whitespace_end(const Cursor& c, std::size_t i) {
  std::size_t j = i, last_start = i, len = 0;
  while (j < c.size() && c.at(j, len) == kSpace) {
    last_start = j;
    j += len;
  }
  if (j == c.size() || last_start == i) return j;
  return last_start;
}

std::size_t gpt2_match_end(const Cursor& c, std::size_t i) {
  if (std::size_t n = contraction_length(c, i, false)) return i + n;
  std::size_t len0 = 0;
  const Class c0 = c.at(i, len0);
  if (c.byte(i) == ' ' && i + 1 < c.size()) {
    std::size_t len1 = 0;
    const Class c1 = c.at(i + 1, len1);
    if (c1 != kSpace) return c.run(i + 1, c1);
  }
  if (c0 != kSpace) return c.run(i, c0);
  return whitespace_end(c, i);
}

std::size_t llama3_match_end(const Cursor& c, std::size_t i, std::size_t max_digits) {
  if (std::size_t n = contraction_length(c, i, true)) return i + n;
  std::size_t len0 = 0;
  const Class c0 = c.at(i, len0);
  if (c0 == kLetter) return c.run(i, kLetter);
  const unsigned char b0 = c.byte(i);
  if (c0 != kNumber && b0 != '\r' && b0 != '\n' && i + len0 < c.size()) {
    std::size_t len1 = 0;
    if (c.at(i + len0, len1) == kLetter) return c.run(i + len0, kLetter);
  }
  if (c0 == kNumber) return c.run(i, kNumber, max_digits);
  const std::size_t j = b0 == ' ' ? i + 1 : i;
  std::size_t lenj = 0;
  if (j < c.size() && c.at(j, lenj) == kOther) {
    std::size_t e = c.run(j, kOther);
    while (e < c.size() && (c.byte(e) == '\r' || c.byte(e) == '\n')) ++e;
    return e;
  }
  // Whitespace: `\s*[\r\n]+` ends after the run's last line break, if it has one.
  std::size_t j2 = i, len = 0, after_break = 0;
  while (j2 < c.size() && c.at(j2, len) == kSpace) {
    if (c.byte(j2) == '\r' || c.byte(j2) == '\n') after_break = j2 + 1;
    j2 += len;
  }
  if (after_break) return after_break;
  return whitespace_end(c, i);
}

}  // namespace

std::optional<ScannerKind> scanner_for_regex(std::string_view pattern) {
  if (pattern == kGpt2SplitRegex) return ScannerKind::kGpt2;
  if (pattern == kLlama3Regex) return ScannerKind::kLlama3;
  if (pattern == kQwen2Regex) return ScannerKind::kQwen2;
  return std::nullopt;
}

void scan_pre_tokens(ScannerKind kind, std::string_view text, std::vector<Span>& out) {
  const Cursor c(text);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t e = 0;
    switch (kind) {
      case ScannerKind::kGpt2:
        e = gpt2_match_end(c, i);
        break;
      case ScannerKind::kLlama3:
        e = llama3_match_end(c, i, 3);
        break;
      case ScannerKind::kQwen2:
        e = llama3_match_end(c, i, 1);
        break;
    }
    out.emplace_back(i, e);
    i = e;
  }
}

}  // namespace instill::tokenizer
