#pragma once
// Normalizers of tokenizer.json ("normalizer": {...}). They rewrite a piece of text in place;
// normalize_aligned also keeps the text's origin (see alignment.hpp) in step, for offsets.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "text/unicode_normalization.hpp"
#include "tokenizer/split_regex.hpp"

namespace instill::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
  // normalize() and origin[i]: where byte i of the result comes from, given where each byte of
  // text came from (origin.size() == text.size() before and after).
  virtual void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const = 0;
};

class UnicodeNormalizer : public Normalizer {  // NFC / NFD / NFKC / NFKD
 public:
  explicit UnicodeNormalizer(text::NormalizationForm form) : form_(form) {}
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;
  text::NormalizationForm form() const { return form_; }

 private:
  text::NormalizationForm form_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;
};

class StripAccentsNormalizer : public Normalizer {  // drops every mark (\p{M}), as HF does
 public:
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(std::unique_ptr<SplitPattern> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;

 private:
  std::unique_ptr<SplitPattern> pattern_;
  std::string content_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(std::move(prepend)) {}
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;

 private:
  std::string prepend_;
};

class StripNormalizer : public Normalizer {  // strips Unicode whitespace
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;

 private:
  Span kept_span(std::string_view text) const;
  bool left_, right_;
};

// BertNormalizer: clean control chars, space out CJK, optional accent strip and lowercase.
class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents),
        lowercase_(lowercase) {}
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;

 private:
  // Appends what cleaning and CJK spacing make of one character.
  void append_cleaned(char32_t cp, std::string& out) const;
  bool clean_text_, handle_chinese_chars_, strip_accents_, lowercase_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override;
  void normalize_aligned(std::string& text, std::vector<uint32_t>& origin) const override;

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace instill::tokenizer
