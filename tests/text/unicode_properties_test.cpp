// Character classes against the general categories CPython's unicodedata reports (Unicode
// 14.0), written down by hand.
#include "text/unicode_properties.hpp"

#include <gtest/gtest.h>

namespace instill::text {
namespace {

TEST(text_unicode_properties, letters_numbers_marks) {
  EXPECT_TRUE(is_letter(U'\u00E9'));  // Ll
  EXPECT_TRUE(is_letter(U'\u3042'));  // Lo (hiragana)
  EXPECT_FALSE(is_letter(U'1'));      // Nd
  EXPECT_TRUE(is_number(U'\u0663'));  // Nd (Arabic-Indic three)
  EXPECT_TRUE(is_number(U'\u00BD'));  // No (one half)
  EXPECT_TRUE(is_number(U'\u2167'));  // Nl (Roman numeral eight)
  EXPECT_FALSE(is_number(U'a'));
  EXPECT_TRUE(is_mark(U'\u0301'));  // Mn
  EXPECT_FALSE(is_mark(U'e'));
  EXPECT_TRUE(is_alphanumeric(U'\u0663'));
  EXPECT_FALSE(is_alphanumeric(U'_'));
}

TEST(text_unicode_properties, word_characters_and_punctuation) {
  EXPECT_TRUE(is_word_char(U'_'));
  EXPECT_TRUE(is_word_char(U'\u203F'));  // Pc (undertie)
  EXPECT_TRUE(is_word_char(U'\u0301'));  // Mn
  EXPECT_FALSE(is_word_char(U'-'));
  EXPECT_TRUE(is_punctuation(U'!'));       // Po
  EXPECT_TRUE(is_punctuation(U'\u00AB'));  // Pi
  EXPECT_TRUE(is_punctuation(U'\u00BF'));  // Po
  EXPECT_FALSE(is_punctuation(U'$'));      // Sc
}

TEST(text_unicode_properties, whitespace_is_unicode_white_space) {
  EXPECT_TRUE(is_whitespace(U' '));
  EXPECT_TRUE(is_whitespace(U'\u0085'));
  EXPECT_TRUE(is_whitespace(U'\u00A0'));
  EXPECT_TRUE(is_whitespace(U'\u3000'));
  EXPECT_FALSE(is_whitespace(U'\u200B'));  // Cf, not White_Space
  EXPECT_FALSE(is_whitespace(U'\x1C'));    // Python's isspace says yes; White_Space no
}

TEST(text_unicode_properties, control_and_cjk_as_bert_uses_them) {
  EXPECT_TRUE(is_control(U'\0'));      // Cc
  EXPECT_TRUE(is_control(U'\u200D'));  // Cf
  EXPECT_TRUE(is_control(U'\uE000'));  // Co
  EXPECT_FALSE(is_control(U'a'));
  EXPECT_TRUE(is_cjk(U'\u4E00'));
  EXPECT_FALSE(is_cjk(U'\u3042'));  // kana are not in BERT's CJK blocks
  EXPECT_FALSE(is_cjk(U'a'));
}

}  // namespace
}  // namespace instill::text
