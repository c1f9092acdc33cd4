// Normalization forms, lowercasing and accent stripping; the expected bytes come from
// CPython's unicodedata.normalize (Unicode 14.0), written down by hand.
#include "text/unicode_normalization.hpp"

#include <gtest/gtest.h>

namespace instill::text {
namespace {

// "e + combining acute, the fi ligature, A with ring, circled one".
constexpr const char* kMixed = "e\xCC\x81 \xEF\xAC\x81 \xC3\x85 \xE2\x91\xA0";

TEST(text_unicode_normalization, the_four_forms) {
  EXPECT_EQ(normalize(kMixed, NormalizationForm::kNFC),
            "\xC3\xA9 \xEF\xAC\x81 \xC3\x85 \xE2\x91\xA0");
  EXPECT_EQ(normalize(kMixed, NormalizationForm::kNFD),
            "e\xCC\x81 \xEF\xAC\x81 A\xCC\x8A \xE2\x91\xA0");
  EXPECT_EQ(normalize(kMixed, NormalizationForm::kNFKC), "\xC3\xA9 fi \xC3\x85 1");
  EXPECT_EQ(normalize(kMixed, NormalizationForm::kNFKD), "e\xCC\x81 fi A\xCC\x8A 1");
  EXPECT_EQ(normalize("", NormalizationForm::kNFC), "");
}

TEST(text_unicode_normalization, lowercase_per_code_point) {
  EXPECT_EQ(to_lowercase("HeLLo \xC3\x80\xC3\x89"), "hello \xC3\xA0\xC3\xA9");
  // No context rules (Rust's char::to_lowercase): a final capital sigma stays sigma.
  EXPECT_EQ(to_lowercase("\xCE\xA3\xCE\x91\xCE\xA3"), "\xCF\x83\xCE\xB1\xCF\x83");
}

TEST(text_unicode_normalization, strip_accents_drops_nonspacing_marks) {
  EXPECT_EQ(strip_accents("e\xCC\x81 A\xCC\x8A x"), "e A x");
  EXPECT_EQ(strip_accents("\xC3\xA9"), "\xC3\xA9");  // precomposed: NFD comes first in HF
}

}  // namespace
}  // namespace instill::text
