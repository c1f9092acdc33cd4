#pragma once
// Characters that a Unicode normalization form leaves alone in any context: canonical
// combining class 0, mapped to themselves, and (for the composing forms) never the second
// character of a canonical composition. Text splits into independently normalizable parts just
// before each of them, so only the stretches around other characters need the full algorithm.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "text/unicode_normalization.hpp"

namespace instill::tokenizer {

class InertChars {
 public:
  // The table of one form, built on first use (from utf8proc's own data, which normalizes).
  static const InertChars& get(text::NormalizationForm form);
  bool operator()(char32_t cp) const {
    return cp >= kLimit || !((not_inert_[cp >> 6] >> (cp & 63)) & 1);
  }

 private:
  // Every decomposition lies below U+30000 (CJK compatibility ideographs end at U+2FA1D);
  // above it nothing composes, decomposes or has a non-zero combining class.
  static constexpr char32_t kLimit = 0x30000;
  explicit InertChars(text::NormalizationForm form);
  void mark(char32_t cp) {
    if (cp < kLimit) not_inert_[cp >> 6] |= uint64_t{1} << (cp & 63);
  }
  std::vector<uint64_t> not_inert_;
};

// Calls fn(from, to) for each stretch text[from..to) that normalizing under `form` may change,
// in order: from the last inert character before a non-inert one up to the next inert
// character. Everything outside the stretches is left as it is by the form.
template <class Fn>
void for_each_active_stretch(std::string_view text, text::NormalizationForm form, Fn&& fn) {
  std::size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  if (i == text.size()) return;  // ASCII is invariant
  const InertChars& inert = InertChars::get(form);
  std::size_t done = 0;                        // end of the last stretch
  std::size_t last_start = i > 0 ? i - 1 : 0;  // start of the last inert character before i
  while (i < text.size()) {
    const std::size_t start = i;
    if (inert(decode_utf8_unchecked(text, i))) {
      last_start = start;
      continue;
    }
    const std::size_t from = std::max(last_start, done);
    std::size_t to = i;
    while (to < text.size()) {
      std::size_t next = to;
      if (inert(decode_utf8_unchecked(text, next))) break;
      to = next;
    }
    fn(from, to);
    done = last_start = i = to;
  }
}

}  // namespace instill::tokenizer
