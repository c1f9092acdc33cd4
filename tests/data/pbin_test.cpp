#include "data/pbin.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "data/pbin_context.hpp"
#include "test_support.hpp"

namespace instill::data {
namespace {

using instill::testing::slurp;
using instill::testing::spit;
using instill::testing::TempDir;

constexpr uint32_t kGpt2Eod = 50256;

// Rewrites a reader's documents with the writer: must give the same bytes.
void expect_roundtrip(const std::filesystem::path& original) {
  PbinReader in(original);
  TempDir tmp;
  PbinWriter out(tmp / "copy.pbin", in.token_size());
  for (size_t i = 0; i < in.num_documents(); ++i) out.add_document(in.document(i));
  out.finish();
  EXPECT_EQ(slurp(tmp / "copy.pbin"), slurp(original)) << original;
}

TEST(Pbin, ReferenceFilesReadAsSpecified) {
  for (auto [name, docs] :
       {std::pair<std::string, size_t>{"lorem_ipsum", 12}, {"lorem_ipsum_long", 500}}) {
    INSTILL_REQUIRE_FIXTURE(path, "data/" + name + ".pbin");
    PbinReader r(path);
    EXPECT_EQ(r.token_size(), 2) << "GPT-2 vocabulary of 50257 needs 2-byte tokens";
    EXPECT_EQ(r.num_documents(), docs);
    EXPECT_EQ(r.data_len() + 12 + r.index_bytes().size(), std::filesystem::file_size(path));
    uint64_t expected_offset = 0;
    for (size_t i = 0; i < r.num_documents(); ++i) {
      const auto [off, len] = r.index()[i];
      EXPECT_EQ(off, expected_offset) << "documents are back to back";
      expected_offset = off + len;
      auto doc = r.document(i);
      ASSERT_GE(doc.size(), 2u);
      EXPECT_EQ(doc.back(), kGpt2Eod) << "document " << i << " ends with one EOD";
      EXPECT_NE(doc[doc.size() - 2], kGpt2Eod) << "document " << i << " has a single EOD";
    }
    EXPECT_EQ(expected_offset, r.data_len());
    expect_roundtrip(path);
  }
}

// GPT-2's byte-level alphabet: printable Latin-1 bytes map to themselves, the rest to
// U+0100 onwards in byte order.
std::map<std::string, std::string> gpt2_token_bytes(const nlohmann::json& vocab) {
  std::map<uint32_t, char> unicode_to_byte;
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    unicode_to_byte[printable ? b : next++] = static_cast<char>(b);
  }
  std::map<std::string, std::string> out;
  for (auto& [token, id] : vocab.items()) {
    std::string bytes;
    const std::string& s = token;
    for (size_t i = 0; i < s.size();) {  // decode UTF-8 code points
      uint32_t cp = static_cast<unsigned char>(s[i]);
      int len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
      if (len > 1) cp &= (0xFF >> (len + 1));
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      i += static_cast<size_t>(len);
      bytes += unicode_to_byte.count(cp) ? unicode_to_byte[cp] : '?';
    }
    out[std::to_string(id.get<uint32_t>())] = bytes;
  }
  return out;
}

TEST(Pbin, LoremDocumentsDecodeToTheirJsonlText) {
  INSTILL_REQUIRE_FIXTURE(pbin, "data/lorem_ipsum.pbin");
  INSTILL_REQUIRE_FIXTURE(jsonl, "data/lorem_ipsum.jsonl");
  INSTILL_REQUIRE_FIXTURE(vocab_path, "data/tokenizer/hf_gpt2/vocab.json");
  auto id_to_bytes = gpt2_token_bytes(nlohmann::json::parse(slurp(vocab_path)));
  id_to_bytes[std::to_string(kGpt2Eod)] = "<|endoftext|>";
  PbinReader r(pbin);
  std::istringstream lines(slurp(jsonl));
  std::string line;
  for (size_t i = 0; std::getline(lines, line); ++i) {
    ASSERT_LT(i, r.num_documents());
    std::string decoded;
    for (uint32_t id : r.document(i)) decoded += id_to_bytes.at(std::to_string(id));
    EXPECT_EQ(decoded, nlohmann::json::parse(line)["text"].get<std::string>() + "<|endoftext|>")
        << "document " << i;
  }
}

// Modalities' conftest builds this file by hand (spec §10).
std::string dummy_pbin() {
  std::string bytes;
  uint64_t len = 80;
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>(len >> (8 * i));
  bytes += std::string("\x04\x00\x00\x00", 4);
  for (uint32_t t = 0; t < 20; ++t)
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>(t >> (8 * i));
  bytes += pickle_index({{0, 24}, {24, 40}, {64, 12}, {76, 4}});
  return bytes;
}

TEST(Pbin, HandBuiltDummyFile) {
  TempDir tmp;
  spit(tmp / "d.pbin", dummy_pbin());
  PbinReader r(tmp / "d.pbin");
  EXPECT_EQ(r.num_tokens(), 20u);
  EXPECT_EQ(r.document(0), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(r.document(1), (std::vector<uint32_t>{6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(r.document(3), (std::vector<uint32_t>{19}));
  PbinWriter w(tmp / "w.pbin", 4);
  std::vector<uint32_t> all(20);
  std::iota(all.begin(), all.end(), 0);
  w.add_document(std::span(all).subspan(0, 6));
  w.add_document(std::span(all).subspan(6, 10));
  w.add_document(std::span(all).subspan(16, 3));
  w.add_document(std::span(all).subspan(19, 1));
  w.finish();
  EXPECT_EQ(slurp(tmp / "w.pbin"), dummy_pbin());
}

TEST(Pbin, TokenWidths) {
  TempDir tmp;
  for (int width : {1, 2, 4}) {
    const uint32_t max = width == 4 ? 0xFFFFFFFFu : (1u << (8 * width)) - 1;
    std::vector<uint32_t> doc{0, 1, max};
    {
      PbinWriter w(tmp / "t.pbin", width);
      w.add_document(doc);
      w.finish();
    }
    PbinReader r(tmp / "t.pbin");
    EXPECT_EQ(r.token_size(), width);
    EXPECT_EQ(r.document(0), doc);
    if (width < 4) {
      PbinWriter w(tmp / "u.pbin", width);
      std::vector<uint32_t> too_big{max + 1};
      EXPECT_THROW(w.add_document(too_big), Error);
    }
  }
}

TEST(Pbin, TokenSizeForVocabSize) {
  // Spec §6.3 table.
  for (uint64_t v : {254, 255, 256}) EXPECT_EQ(token_size_for_vocab_size(v), 1) << v;
  for (uint64_t v : {257, 65534, 65535, 65536}) EXPECT_EQ(token_size_for_vocab_size(v), 2) << v;
  for (uint64_t v : {65537, 65538, 10000000}) EXPECT_EQ(token_size_for_vocab_size(v), 4) << v;
  EXPECT_EQ(token_size_for_vocab_size(1), 4);
  EXPECT_EQ(token_size_for_vocab_size(50257), 2);
  EXPECT_EQ(token_size_for_vocab_size(151643), 4);
  EXPECT_THROW(token_size_for_vocab_size((uint64_t{1} << 32) + 1), Error);
}

void expect_reader_error(const std::string& bytes, const std::string& fragment) {
  TempDir tmp;
  spit(tmp / "bad.pbin", bytes);
  try {
    PbinReader r(tmp / "bad.pbin");
    FAIL() << "accepted a bad file, expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.pbin"), std::string::npos) << e.what();
  }
}

TEST(Pbin, BadFilesAreClearErrors) {
  const std::string good = dummy_pbin();
  expect_reader_error(good.substr(0, 7), "truncated .pbin");
  expect_reader_error(good.substr(0, 50), "exceeds the file size");
  std::string huge = good;
  huge[7] = '\x7f';
  expect_reader_error(huge, "exceeds the file size");
  std::string width = good;
  width[8] = 3;
  expect_reader_error(width, "token size is 3");
  expect_reader_error(good.substr(0, good.size() - 1), "invalid index pickle");
  // Index pickle replaced by a GLOBAL opcode.
  std::string evil = good.substr(0, 12 + 80) + "\x80\x04" + "cos\nsystem\n.";
  expect_reader_error(evil, "forbidden pickle opcode 0x63");
  // Index entry pointing past the data.
  std::string outside = good.substr(0, 12 + 80) + pickle_index({{0, 84}});
  expect_reader_error(outside, "lies outside");
}

TEST(Pbin, MissingFileIsAClearError) { EXPECT_THROW(PbinReader("/nonexistent/x.pbin"), Error); }

TEST(Pbin, WriterLeavesNothingWhenNotFinished) {
  TempDir tmp;
  {
    PbinWriter w(tmp / "x.pbin", 2);
    std::vector<uint32_t> doc{1, 2, 3};
    w.add_document(doc);
  }  // destroyed without finish(), e.g. by an exception
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(Pbin, EmptyFileHasZeroLengthAndEmptyIndex) {
  TempDir tmp;
  PbinWriter w(tmp / "e.pbin", 2);
  w.finish();
  PbinReader r(tmp / "e.pbin");
  EXPECT_EQ(r.data_len(), 0u);
  EXPECT_EQ(r.num_documents(), 0u);
}

// Ids the tokenizer cannot decode (a pbin made with another tokenizer, or damaged): counted, with
// the first one's position, for inspect's warning.
TEST(Pbin, OutOfVocabularyIdsAreCounted) {
  const std::vector<uint32_t> ids = {464, 70000, 11, 50257, 50256};
  const OutOfVocabulary found = out_of_vocabulary(ids, 50257);
  EXPECT_EQ(found.count, 2u);
  EXPECT_EQ(found.first_position, 1u);
  EXPECT_EQ(found.first_id, 70000u);
  EXPECT_EQ(out_of_vocabulary_warning(found, 3, 50257),
            "document 3 holds 2 token id(s) beyond the tokenizer's vocabulary of 50257 (the first, "
            "70000, at position 1); they cannot be decoded: was the pbin made with another "
            "tokenizer?");
  EXPECT_EQ(out_of_vocabulary(std::vector<uint32_t>{0, 50256}, 50257).count, 0u);
  EXPECT_EQ(out_of_vocabulary_warning(OutOfVocabulary{}, 0, 50257), "");
}

TEST(Pbin, InspectWarnsAboutIdsBeyondTheVocabulary) {
  INSTILL_REQUIRE_GPT2(gpt2);
  TempDir tmp;
  PbinWriter out(tmp / "x.pbin", 4);
  out.add_document(std::vector<uint32_t>{15496, 70000, 11, 1u << 20, kGpt2Eod});
  out.finish();
  const auto r = instill::testing::run_command(
      instill::testing::shell_quote(instill::testing::instill_binary()) + " data inspect " +
      instill::testing::shell_quote((tmp / "x.pbin").string()) + " --tokenizer " +
      instill::testing::shell_quote(gpt2.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;  // a warning, not an error
  EXPECT_NE(r.err.find("warning: " + (tmp / "x.pbin").string() +
                       ": document 0 holds 2 token id(s) beyond the tokenizer's vocabulary of "
                       "50257 (the first, 70000, at position 1)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("Hello"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace instill::data
