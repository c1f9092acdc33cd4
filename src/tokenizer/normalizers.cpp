#include "tokenizer/normalizers.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <vector>

#include "core/utf8.hpp"
#include "text/unicode_properties.hpp"

namespace instill::tokenizer {
namespace {

// Code points that NFC leaves alone in any context and that never interact with their
// neighbours: canonical combining class 0, NFC maps them to themselves, and they are never
// the second character of a canonical composition. Text splits into independently
// normalizable parts just before each of them, so only the stretches around other characters
// need the full algorithm. Derived from utf8proc's own data, which does the normalizing.
class NfcInert {
 public:
  static const NfcInert& get() {
    static const NfcInert table;
    return table;
  }
  bool operator()(char32_t cp) const {
    return cp >= kLimit || !((not_inert_[cp >> 6] >> (cp & 63)) & 1);
  }

 private:
  // Every canonical decomposition lies below U+30000 (CJK compatibility ideographs end at
  // U+2FA1D); above it nothing composes, decomposes or has a non-zero combining class.
  static constexpr char32_t kLimit = 0x30000;
  NfcInert() : not_inert_(kLimit / 64, 0) {
    auto mark = [&](char32_t cp) {
      if (cp < kLimit) not_inert_[cp >> 6] |= uint64_t{1} << (cp & 63);
    };
    for (char32_t cp = 0x80; cp < kLimit; ++cp) {
      const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
      if (p->combining_class != 0) mark(cp);
      if (p->decomp_seqindex == UINT16_MAX || p->decomp_type != 0) continue;  // not canonical
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
      std::string one;
      append_utf8(one, cp);
      if (text::normalize(one, text::NormalizationForm::kNFC) != one) mark(cp);
    }
    // Hangul vowel and trailing jamo compose algorithmically (L+V, LV+T; utf8proc also
    // takes U+11A7, the trailing-jamo base, as a trailing jamo).
    for (char32_t cp = 0x1161; cp <= 0x1175; ++cp) mark(cp);
    for (char32_t cp = 0x11A7; cp <= 0x11C2; ++cp) mark(cp);
  }
  std::vector<uint64_t> not_inert_;
};

// NFC of text, running utf8proc only on the stretches that need it.
void nfc_in_place(std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  if (i == text.size()) return;  // ASCII is invariant
  const NfcInert& inert = NfcInert::get();
  std::string out;
  std::size_t copied = 0;      // text[..copied) is already in out
  std::size_t last_start = 0;  // start of the last inert character before i (or copied)
  if (i > 0) last_start = i - 1;
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = decode_utf8_unchecked(text, i);
    if (inert(cp)) {
      last_start = start;
      continue;
    }
    // A stretch from the last inert character up to the next one.
    const std::size_t from = std::max(last_start, copied);
    std::size_t to = i;
    while (to < text.size()) {
      std::size_t next = to;
      if (inert(decode_utf8_unchecked(text, next))) break;
      to = next;
    }
    if (out.empty()) out.reserve(text.size() + 16);
    out.append(text, copied, from - copied);
    out.append(text::normalize(std::string_view(text).substr(from, to - from),
                               text::NormalizationForm::kNFC));
    copied = to;
    last_start = to;
    i = to;
  }
  if (copied == 0) return;  // every character was inert
  out.append(text, copied, std::string::npos);
  text = std::move(out);
}

}  // namespace

void UnicodeNormalizer::normalize(std::string& text) const {
  if (form_ == text::NormalizationForm::kNFC) {
    nfc_in_place(text);
    return;
  }
  text = text::normalize(text, form_);
}

void LowercaseNormalizer::normalize(std::string& text) const { text = text::to_lowercase(text); }

void StripAccentsNormalizer::normalize(std::string& text) const {
  text = text::strip_accents(text);
}

void ReplaceNormalizer::normalize(std::string& text) const {
  std::vector<Span> matches;
  pattern_->find_all(text, matches);
  if (matches.empty()) return;
  std::string out;
  out.reserve(text.size());
  std::size_t last = 0;
  for (const auto& [b, e] : matches) {
    out.append(text, last, b - last);
    out.append(content_);
    last = e;
  }
  out.append(text, last, std::string::npos);
  text = std::move(out);
}

void PrependNormalizer::normalize(std::string& text) const {
  if (!text.empty()) text.insert(0, prepend_);  // HF leaves empty strings empty
}

void StripNormalizer::normalize(std::string& text) const {
  std::size_t begin = 0, end = text.size();
  if (left_) {
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t next = i;
      if (!text::is_whitespace(decode_utf8_unchecked(text, next))) break;
      i = next;
    }
    begin = i;
  }
  if (right_) {
    // Walk back over whole characters.
    while (end > begin) {
      std::size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      std::size_t probe = start;
      if (!text::is_whitespace(decode_utf8_unchecked(text, probe))) break;
      end = start;
    }
  }
  text = text.substr(begin, end - begin);
}

void BertNormalizer::normalize(std::string& text) const {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char32_t cp = decode_utf8_unchecked(text, i);
    if (clean_text_) {
      if (cp == 0 || cp == 0xFFFD) continue;
      const bool ws_like = cp == '\t' || cp == '\n' || cp == '\r';
      if (!ws_like && text::is_control(cp)) continue;
      if (text::is_whitespace(cp)) {
        out.push_back(' ');
        continue;
      }
    }
    if (handle_chinese_chars_ && text::is_cjk(cp)) {
      out.push_back(' ');
      append_utf8(out, cp);
      out.push_back(' ');
      continue;
    }
    append_utf8(out, cp);
  }
  // HF: strip_accents defaults to the lowercase flag when unset (handled by the loader).
  if (strip_accents_)
    out = text::strip_accents(text::normalize(out, text::NormalizationForm::kNFD));
  if (lowercase_) out = text::to_lowercase(out);
  text = std::move(out);
}

void SequenceNormalizer::normalize(std::string& text) const {
  for (const auto& step : steps_) step->normalize(text);
}

}  // namespace instill::tokenizer
