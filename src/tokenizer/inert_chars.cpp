#include "tokenizer/inert_chars.hpp"

#include <utf8proc.h>

#include <string>

#include "core/utf8.hpp"

namespace instill::tokenizer {

const InertChars& InertChars::get(text::NormalizationForm form) {
  using text::NormalizationForm;
  switch (form) {
    case NormalizationForm::kNFC: {
      static const InertChars table(NormalizationForm::kNFC);
      return table;
    }
    case NormalizationForm::kNFD: {
      static const InertChars table(NormalizationForm::kNFD);
      return table;
    }
    case NormalizationForm::kNFKC: {
      static const InertChars table(NormalizationForm::kNFKC);
      return table;
    }
    case NormalizationForm::kNFKD:
      break;
  }
  static const InertChars table(NormalizationForm::kNFKD);
  return table;
}

InertChars::InertChars(text::NormalizationForm form) : not_inert_(kLimit / 64, 0) {
  using text::NormalizationForm;
  const bool composes = form == NormalizationForm::kNFC || form == NormalizationForm::kNFKC;
  const bool compat = form == NormalizationForm::kNFKC || form == NormalizationForm::kNFKD;
  for (char32_t cp = 0x80; cp < kLimit; ++cp) {
    const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    if (p->combining_class != 0) mark(cp);
    const bool hangul_syllable = cp >= 0xAC00 && cp <= 0xD7A3;  // decomposed algorithmically
    if (p->decomp_seqindex == UINT16_MAX && !hangul_syllable) continue;  // maps to itself
    const bool canonical = p->decomp_type == 0;
    if (composes && canonical && !hangul_syllable) {
      // Every character after the first of a canonical decomposition may be the second
      // character of a composition.
      utf8proc_int32_t buf[8];
      int last_boundclass = 0;
      const utf8proc_ssize_t n = utf8proc_decompose_char(
          static_cast<utf8proc_int32_t>(cp), buf, 8,
          static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE), &last_boundclass);
      if (n < 1 || n > 8) {
        mark(cp);
        continue;
      }
      for (utf8proc_ssize_t k = 1; k < n; ++k) mark(static_cast<char32_t>(buf[k]));
    }
    if (!canonical && !compat) continue;  // a compatibility mapping the form does not apply
    std::string one;
    append_utf8(one, cp);
    if (text::normalize(one, form) != one) mark(cp);
  }
  // Hangul vowel and trailing jamo compose algorithmically (L+V, LV+T; utf8proc also takes
  // U+11A7, the trailing-jamo base, as a trailing jamo).
  if (composes) {
    for (char32_t cp = 0x1161; cp <= 0x1175; ++cp) mark(cp);
    for (char32_t cp = 0x11A7; cp <= 0x11C2; ++cp) mark(cp);
  }
}

}  // namespace instill::tokenizer
