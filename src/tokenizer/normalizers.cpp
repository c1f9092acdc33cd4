#include "tokenizer/normalizers.hpp"

#include "text/unicode_properties.hpp"
#include "text/utf8.hpp"

namespace instill::tokenizer {

void UnicodeNormalizer::normalize(std::string& text) const { text = text::normalize(text, form_); }

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
      if (!text::is_whitespace(text::decode_utf8_unchecked(text, next))) break;
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
      if (!text::is_whitespace(text::decode_utf8_unchecked(text, probe))) break;
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
    const char32_t cp = text::decode_utf8_unchecked(text, i);
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
      text::append_utf8(out, cp);
      out.push_back(' ');
      continue;
    }
    text::append_utf8(out, cp);
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
