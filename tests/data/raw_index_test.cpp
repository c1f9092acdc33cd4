#include "data/raw_index.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace instill::data {
namespace {

using instill::testing::slurp;
using instill::testing::spit;
using instill::testing::TempDir;

TEST(RawIndex, ReproducesReferenceIdxFiles) {
  for (const std::string name : {"lorem_ipsum", "lorem_ipsum_long"}) {
    INSTILL_REQUIRE_FIXTURE(jsonl, "data/" + name + ".jsonl");
    INSTILL_REQUIRE_FIXTURE(idx, "data/" + name + ".idx");
    TempDir tmp;
    auto r = create_raw_index(jsonl, tmp / (name + ".idx"), FileExistencePolicy::kError);
    ASSERT_TRUE(r.written);
    EXPECT_EQ(slurp(tmp / (name + ".idx")), slurp(idx)) << name;
  }
}

TEST(RawIndex, FileWithoutFinalNewlineAndDanishText) {
  for (const std::string name : {"lorem_ipsum_without_last_newline", "danish_test_dataset"}) {
    INSTILL_REQUIRE_FIXTURE(jsonl, "tests/data/datasets/" + name + ".jsonl");
    const std::string bytes = slurp(jsonl);
    Index idx = build_raw_index(bytes, name);
    // Every entry maps back to exactly one line's bytes, in order, covering the file.
    std::string rebuilt;
    for (size_t i = 0; i < idx.size(); ++i) {
      if (i) rebuilt += '\n';
      rebuilt += bytes.substr(idx[i].first, idx[i].second);
      EXPECT_EQ(bytes.substr(idx[i].first, idx[i].second).find('\n'), std::string::npos);
    }
    if (!bytes.empty() && bytes.back() == '\n') rebuilt += '\n';
    EXPECT_EQ(rebuilt, bytes) << name;
  }
}

TEST(RawIndex, OffsetsAndLengthsAreInBytes) {
  const std::string text = "{\"t\": \"\xc3\xb8\xc3\xa6\"}\n{\"t\": \"\xf0\x9f\x98\x80\"}";  // øæ, 😀
  Index idx = build_raw_index(text, "mem");
  ASSERT_EQ(idx.size(), 2u);
  EXPECT_EQ(idx[0], IndexEntry(0, 13));
  EXPECT_EQ(idx[1], IndexEntry(14, 13));
}

TEST(RawIndex, TrailingNewlineAddsNoEntryButCrLfCounts) {
  EXPECT_EQ(build_raw_index("1\n2\n", "mem"), (Index{{0, 1}, {2, 1}}));
  EXPECT_EQ(build_raw_index("1\r\n2", "mem"), (Index{{0, 2}, {3, 1}}));
}

TEST(RawIndex, AcceptsWhatPythonJsonAccepts) {
  // Any JSON value, NaN/Infinity, huge integers, lone surrogate escapes, a UTF-8 BOM.
  const std::string lines =
      "[1, 2]\n\"s\"\n{\"x\": NaN, \"y\": -Infinity}\n123456789012345678901234567890\n"
      "{\"s\": \"\\ud800\"}\n\xEF\xBB\xBF{\"bom\": 1}\n 1e400 \n";
  EXPECT_EQ(build_raw_index(lines, "mem").size(), 7u);
}

void expect_bad(const std::string& text, const std::string& fragment) {
  try {
    build_raw_index(text, "bad.jsonl");
    FAIL() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.jsonl"), std::string::npos) << e.what();
  }
}

TEST(RawIndex, RejectsWhatPythonRejects) {
  expect_bad("{\"a\": 1}\n{\"a\": }\n", "line 2 (byte offset 9)");
  expect_bad("", "line 1 (byte offset 0)");                   // empty file = one empty line
  expect_bad("1\n\n2\n", "line 2 (byte offset 2)");           // blank line
  expect_bad("1\n2\n\n", "line 3");                           // trailing blank line
  expect_bad("{\"a\": \"\xff\"}\n", "invalid UTF-8");         // bad UTF-8
  expect_bad("{\"a\": \"tab\there\"}", "control character");  // raw control char
  expect_bad("[1, 2] x", "extra data");
  expect_bad("{'a': 1}", "line 1");
  expect_bad("nan", "line 1");
  expect_bad("01", "extra data");
}

TEST(RawIndex, BadLineWritesNothing) {
  TempDir tmp;
  spit(tmp / "in.jsonl", "{\"a\": 1}\nnot json\n");
  EXPECT_THROW(create_raw_index(tmp / "in.jsonl", tmp / "in.idx", FileExistencePolicy::kError),
               Error);
  EXPECT_FALSE(std::filesystem::exists(tmp / "in.idx"));
  // No temporary file left behind either.
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(tmp.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(RawIndex, FileExistencePolicies) {
  TempDir tmp;
  spit(tmp / "in.jsonl", "1\n");
  spit(tmp / "in.idx", "old");
  EXPECT_THROW(create_raw_index(tmp / "in.jsonl", tmp / "in.idx", FileExistencePolicy::kError),
               Error);
  EXPECT_FALSE(
      create_raw_index(tmp / "in.jsonl", tmp / "in.idx", FileExistencePolicy::kSkip).written);
  EXPECT_EQ(slurp(tmp / "in.idx"), "old");
  EXPECT_TRUE(
      create_raw_index(tmp / "in.jsonl", tmp / "in.idx", FileExistencePolicy::kOverride).written);
  EXPECT_EQ(slurp(tmp / "in.idx"), pickle_index({{0, 1}}));
  EXPECT_THROW(create_raw_index(tmp / "in.jsonl", tmp / "in.jsonl", FileExistencePolicy::kOverride),
               Error);
}

TEST(RawIndex, DefaultIndexPath) {
  EXPECT_EQ(default_index_path("data/x.y.jsonl"), std::filesystem::path("data/x.y.idx"));
}

}  // namespace
}  // namespace instill::data
