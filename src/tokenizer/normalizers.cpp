#include "tokenizer/normalizers.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <vector>

#include "core/utf8.hpp"
#include "text/unicode_properties.hpp"
#include "tokenizer/alignment.hpp"
#include "tokenizer/inert_chars.hpp"

namespace instill::tokenizer {
namespace {

// Per-character steps of the aligned normalizers (map_chars_aligned's map).
void append_lowercase(char32_t cp, std::string_view ch, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    return;
  }
  out += text::to_lowercase(ch);
}

// BERT's accent stripping drops nonspacing marks (\p{Mn}).
void append_unless_nonspacing_mark(char32_t cp, std::string_view ch, std::string& out) {
  if (cp < 0x80 || !text::strip_accents(ch).empty()) out.append(ch);
}

// The StripAccents normalizer drops every mark (\p{M}: HF's is_combining_mark).
void append_unless_mark(char32_t cp, std::string_view ch, std::string& out) {
  if (!text::is_mark(cp)) out.append(ch);
}

// NFC of text, running utf8proc only on the stretches that need it.
void nfc_in_place(std::string& text) {
  std::string out;
  std::size_t copied = 0;  // text[..copied) is already in out
  for_each_active_stretch(
      text, text::NormalizationForm::kNFC, [&](std::size_t from, std::size_t to) {
        if (out.empty()) out.reserve(text.size() + 16);
        out.append(text, copied, from - copied);
        out.append(text::normalize(std::string_view(text).substr(from, to - from),
                                   text::NormalizationForm::kNFC));
        copied = to;
      });
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

void UnicodeNormalizer::normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const {
  tokenizer::normalize_aligned(text, origin, form_);
}

void LowercaseNormalizer::normalize(std::string& text) const { text = text::to_lowercase(text); }

void LowercaseNormalizer::normalize_aligned(std::string& text,
                                            std::vector<uint32_t>& origin) const {
  map_chars_aligned(text, origin, append_lowercase);
}

void StripAccentsNormalizer::normalize(std::string& text) const {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const char32_t cp = decode_utf8_unchecked(text, i);
    append_unless_mark(cp, std::string_view(text).substr(start, i - start), out);
  }
  text = std::move(out);
}

void StripAccentsNormalizer::normalize_aligned(std::string& text,
                                               std::vector<uint32_t>& origin) const {
  map_chars_aligned(text, origin, append_unless_mark);
}

void ReplaceNormalizer::normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const {
  std::vector<Span> matches;
  pattern_->find_all(text, matches);
  if (!matches.empty()) replace_aligned(text, origin, matches, content_);
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

void PrependNormalizer::normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const {
  if (text.empty()) return;
  text.insert(0, prepend_);
  origin.insert(origin.begin(), prepend_.size(), origin[0]);  // from the first character (HF)
}

void StripNormalizer::normalize(std::string& text) const {
  const auto [begin, end] = kept_span(text);
  text = text.substr(begin, end - begin);
}

void StripNormalizer::normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const {
  const auto [begin, end] = kept_span(text);
  text = text.substr(begin, end - begin);
  origin.assign(origin.begin() + static_cast<std::ptrdiff_t>(begin),
                origin.begin() + static_cast<std::ptrdiff_t>(end));
}

Span StripNormalizer::kept_span(std::string_view text) const {
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
  return {begin, end};
}

void BertNormalizer::append_cleaned(char32_t cp, std::string& out) const {
  if (clean_text_) {
    if (cp == 0 || cp == 0xFFFD) return;
    const bool ws_like = cp == '\t' || cp == '\n' || cp == '\r';
    if (!ws_like && text::is_control(cp)) return;
    if (text::is_whitespace(cp)) {
      out.push_back(' ');
      return;
    }
  }
  if (handle_chinese_chars_ && text::is_cjk(cp)) {
    out.push_back(' ');
    append_utf8(out, cp);
    out.push_back(' ');
    return;
  }
  append_utf8(out, cp);
}

void BertNormalizer::normalize(std::string& text) const {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) append_cleaned(decode_utf8_unchecked(text, i), out);
  // HF: strip_accents defaults to the lowercase flag when unset (handled by the loader).
  if (strip_accents_)
    out = text::strip_accents(text::normalize(out, text::NormalizationForm::kNFD));
  if (lowercase_) out = text::to_lowercase(out);
  text = std::move(out);
}

void BertNormalizer::normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const {
  // The spaces around a CJK character come from it too (HF).
  map_chars_aligned(text, origin, [&](char32_t cp, std::string_view, std::string& out) {
    append_cleaned(cp, out);
  });
  if (strip_accents_) {
    tokenizer::normalize_aligned(text, origin, text::NormalizationForm::kNFD);
    map_chars_aligned(text, origin, append_unless_nonspacing_mark);
  }
  if (lowercase_) map_chars_aligned(text, origin, append_lowercase);
}

void SequenceNormalizer::normalize(std::string& text) const {
  for (const auto& step : steps_) step->normalize(text);
}

void SequenceNormalizer::normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const {
  for (const auto& step : steps_) step->normalize_aligned(text, origin);
}

}  // namespace instill::tokenizer
