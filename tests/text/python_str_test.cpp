// Python str methods over UTF-8. The expected values were produced by CPython 3 (Unicode
// 14.0) and written down by hand, so that these tests need no Python.
#include "text/python_str.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace instill::text {
namespace {

using Strings = std::vector<std::string>;

TEST(text_python_str, code_points_and_counts) {
  EXPECT_EQ(code_point_count("h\xC3\xA9llo\xF0\x9F\x98\x80"), 6u);  // len("héllo😀")
  EXPECT_EQ(to_code_points("a\xC3\xA9\xF0\x9F\x98\x80"),
            (std::vector<uint32_t>{'a', 0xE9, 0x1F600}));
  EXPECT_EQ(from_code_points({'a', 0xE9, 0x1F600, 'z'}, 1, 3), "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_TRUE(is_ascii("plain text"));
  EXPECT_FALSE(is_ascii("caf\xC3\xA9"));
}

TEST(text_python_str, case_mapping_is_full_and_titlecase_aware) {
  EXPECT_EQ(py_upper("stra\xC3\x9F\x65 \xC7\x86 \xEF\xAC\x81"), "STRASSE \xC7\x84 FI");
  EXPECT_EQ(py_lower("\xC3\x80\xC3\x89\xC3\x8E"), "\xC3\xA0\xC3\xA9\xC3\xAE");  // ÀÉÎ
  EXPECT_EQ(py_lower("\xC4\xB0X"), "i\xCC\x87x");  // İ lowers to i + combining dot
  EXPECT_EQ(py_title("hello wORLD \xC7\x86\x65mal 3rd o'neil"),
            "Hello World \xC7\x85\x65mal 3Rd O'Neil");
  EXPECT_EQ(py_title("\xC3\x9F\x61"), "Ssa");       // 'ßa'.title()
  EXPECT_EQ(py_capitalize("\xC3\x9F\x61"), "Ssa");  // 'ßa'.capitalize()
  EXPECT_EQ(py_capitalize("\xC7\x86\x65mal HELLO"), "\xC7\x85\x65mal hello");
  EXPECT_EQ(py_swapcase("Stra\xC3\x9F\x65 \xC7\x85"), "sTRASSE \xC7\x85");
}

TEST(text_python_str, islower_isupper_need_a_cased_character) {
  EXPECT_TRUE(py_is_lower("abc1"));
  EXPECT_FALSE(py_is_upper("abc1"));
  EXPECT_TRUE(py_is_upper("ABC"));
  EXPECT_FALSE(py_is_lower("123"));
  EXPECT_FALSE(py_is_upper("123"));
  EXPECT_FALSE(py_is_lower("\xC7\x85"));  // ǅ is titlecase: neither
  EXPECT_FALSE(py_is_upper("\xC7\x85"));
  EXPECT_FALSE(py_is_lower(""));
}

TEST(text_python_str, isspace_matches_python) {
  // Every code point below U+3001 for which str.isspace() is true.
  const std::vector<uint32_t> spaces = {
      0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x1C,   0x1D,   0x1E,   0x1F,   0x20,
      0x85,   0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
      0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
  std::vector<uint32_t> found;
  for (uint32_t cp = 0; cp <= 0x3000; ++cp)
    if (py_isspace(cp)) found.push_back(cp);
  EXPECT_EQ(found, spaces);
}

TEST(text_python_str, strip) {
  const std::string s = " \xE3\x80\x80\xC2\xA0 a b\xE2\x80\x83\x63  \x1C";
  EXPECT_EQ(py_strip(s, std::nullopt, true, true), "a b\xE2\x80\x83\x63");
  EXPECT_EQ(py_strip(s, std::nullopt, true, false), "a b\xE2\x80\x83\x63  \x1C");
  EXPECT_EQ(py_strip(s, std::nullopt, false, true), " \xE3\x80\x80\xC2\xA0 a b\xE2\x80\x83\x63");
  EXPECT_EQ(py_strip("xxhixyx", "xy", true, true), "hi");
  EXPECT_EQ(py_strip("xxhixyx", "x", true, false), "hixyx");
  EXPECT_EQ(py_strip("xxhixyx", "x", false, true), "xxhixy");
}

TEST(text_python_str, split_and_rsplit) {
  EXPECT_EQ(py_split(" \xE3\x80\x80\xC2\xA0 a b\xE2\x80\x83\x63  \x1C", std::nullopt, -1),
            (Strings{"a", "b", "c"}));
  EXPECT_EQ(py_split("a,b,,c", ",", -1), (Strings{"a", "b", "", "c"}));
  EXPECT_EQ(py_split("a,b,,c", ",", 1), (Strings{"a", "b,,c"}));
  EXPECT_EQ(py_rsplit("a,b,,c", ",", 1), (Strings{"a,b,", "c"}));
  EXPECT_EQ(py_split(" a  b c ", std::nullopt, 1), (Strings{"a", "b c "}));
  EXPECT_EQ(py_rsplit(" a  b c ", std::nullopt, 1), (Strings{" a  b", "c"}));
  // The part left after maxsplit keeps its whitespace on the far side.
  EXPECT_EQ(py_split(" a b ", std::nullopt, 0), (Strings{"a b "}));
  EXPECT_EQ(py_rsplit(" a b ", std::nullopt, 0), (Strings{" a b"}));
  EXPECT_EQ(py_split("a  ", std::nullopt, 1), (Strings{"a"}));
  EXPECT_EQ(py_rsplit("  a", std::nullopt, 1), (Strings{"a"}));
}

TEST(text_python_str, splitlines_knows_every_line_boundary) {
  EXPECT_EQ(py_splitlines("a\nb\r\nc\rd\x0B"
                          "e\x0C"
                          "f\x1Cg\x1Dh\x1Ei\xC2\x85j\xE2\x80\xA8k\xE2\x80\xA9l\n"),
            (Strings{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}));
  EXPECT_EQ(py_splitlines(""), Strings{});
  EXPECT_EQ(py_splitlines("a\n\n"), (Strings{"a", ""}));
}

TEST(text_python_str, center_counts_code_points) {
  EXPECT_EQ(py_center("ab", 7), "   ab  ");
  EXPECT_EQ(py_center("abc", 6), " abc  ");
  EXPECT_EQ(py_center("\xC3\xA9", 4), " \xC3\xA9  ");
  EXPECT_EQ(py_center("abc", 2), "abc");
}

}  // namespace
}  // namespace instill::text
