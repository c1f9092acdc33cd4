// The one UTF-8 module: the lenient decoder keeps every byte, the strict one and the
// validator refuse what Python's strict codec refuses, and the lossy repair replaces the same
// maximal invalid subparts as Python's errors="replace" (values checked with CPython).
#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace instill {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";

std::string utf8(char32_t cp) {
  std::string out;
  append_utf8(out, cp);
  return out;
}

TEST(core_utf8, append_writes_one_to_four_bytes_and_surrogates_as_wtf8) {
  EXPECT_EQ(utf8(U'a'), "a");
  EXPECT_EQ(utf8(0xE9), "\xC3\xA9");
  EXPECT_EQ(utf8(0x20AC), "\xE2\x82\xAC");
  EXPECT_EQ(utf8(0x1F600), "\xF0\x9F\x98\x80");
  EXPECT_EQ(utf8(0xD800), "\xED\xA0\x80");
}

TEST(core_utf8, lenient_decoding_keeps_invalid_bytes_as_themselves) {
  std::size_t length = 0;
  EXPECT_EQ(decode_utf8_at("\xF0\x9F\x98\x80", 0, length), 0x1F600u);
  EXPECT_EQ(length, 4u);
  EXPECT_EQ(decode_utf8_at("x\xC3\xA9", 1, length), 0xE9u);
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(decode_utf8_at("\xED\xA0\x80", 0, length), 0xD800u);  // a surrogate decodes
  EXPECT_EQ(length, 3u);
  EXPECT_EQ(decode_utf8_at("\xC3(", 0, length), 0xC3u);  // no continuation byte
  EXPECT_EQ(length, 1u);
  EXPECT_EQ(decode_utf8_at("\xE2\x82", 0, length), 0xE2u);  // truncated
  EXPECT_EQ(length, 1u);
  EXPECT_EQ(decode_utf8_at("\x80", 0, length), 0x80u);
  EXPECT_EQ(length, 1u);
}

TEST(core_utf8, strict_decoding_refuses_and_leaves_the_position) {
  std::size_t i = 1;
  char32_t cp = 0;
  EXPECT_TRUE(decode_utf8("a\xE2\x82\xAC!", i, cp));
  EXPECT_EQ(cp, 0x20ACu);
  EXPECT_EQ(i, 4u);
  for (const char* bad :
       {"\xC3(", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\xF0\x9F\x98"}) {
    i = 0;
    EXPECT_FALSE(decode_utf8(bad, i, cp)) << bad;
    EXPECT_EQ(i, 0u);
  }
}

TEST(core_utf8, unchecked_decoding_of_valid_text) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  std::size_t i = 0;
  EXPECT_EQ(decode_utf8_unchecked(s, i), U'a');
  EXPECT_EQ(decode_utf8_unchecked(s, i), 0xE9u);
  EXPECT_EQ(decode_utf8_unchecked(s, i), 0x20ACu);
  EXPECT_EQ(decode_utf8_unchecked(s, i), 0x1F600u);
  EXPECT_EQ(i, s.size());
}

TEST(core_utf8, validation_reports_the_first_bad_offset) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ok \xC3\xA9 \xF0\x9F\x98\x80"));
  std::size_t offset = 99;
  EXPECT_FALSE(is_valid_utf8("ok\xC3\xA9\xFF", &offset));
  EXPECT_EQ(offset, 4u);
  EXPECT_FALSE(is_valid_utf8("ab\xED\xA0\x80", &offset));  // surrogates are invalid
  EXPECT_EQ(offset, 2u);
}

TEST(core_utf8, lossy_repair_replaces_maximal_invalid_subparts) {
  const std::string r = kReplacement;
  EXPECT_EQ(utf8_lossy("a\xF0\x9F\x98"), "a" + r);
  EXPECT_EQ(utf8_lossy("\xE0\x80\x80"), r + r + r);
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80x"), r + r + r + "x");
  EXPECT_EQ(utf8_lossy("\xC3("), r + "(");
  EXPECT_EQ(utf8_lossy("\xF4\x90\x80\x80"), r + r + r + r);
  EXPECT_EQ(utf8_lossy("ok\xC3\xA9\xFF"), "ok\xC3\xA9" + r);
}

TEST(core_utf8, sequence_length_from_the_lead_byte) {
  EXPECT_EQ(utf8_sequence_length('a'), 1u);
  EXPECT_EQ(utf8_sequence_length(0x80), 1u);
  EXPECT_EQ(utf8_sequence_length(0xC3), 2u);
  EXPECT_EQ(utf8_sequence_length(0xE2), 3u);
  EXPECT_EQ(utf8_sequence_length(0xF0), 4u);
}

}  // namespace
}  // namespace instill
