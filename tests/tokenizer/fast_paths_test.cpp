// The speed-ups of the tokenizer internals must not change results: the flat token table
// behaves like a map, and the NFC normalizer (which runs utf8proc only around characters that
// can interact with their neighbours) matches utf8proc NFC on whole strings.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/utf8.hpp"
#include "oracle.hpp"
#include "text/unicode_normalization.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/normalizers.hpp"
#include "tokenizer/token_table.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace {

std::string nfc_reference(const std::string& s) {
  return text::normalize(s, text::NormalizationForm::kNFC);
}

std::string nfc_fast(std::string s) {
  UnicodeNormalizer(text::NormalizationForm::kNFC).normalize(s);
  return s;
}

std::string utf8(std::initializer_list<char32_t> cps) {
  std::string s;
  for (char32_t cp : cps) append_utf8(s, cp);
  return s;
}

TEST(tokenizer_fast_paths, nfc_matches_utf8proc_around_every_code_point) {
  std::size_t bad = 0;
  for (char32_t cp = 0x80; cp < 0x32000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    // Before/after a base letter, a combining mark, Hangul L / LV / T jamo, itself.
    for (const std::string& s :
         {utf8({'a', cp}), utf8({cp, 0x301}), utf8({0x1100, cp}), utf8({0xAC00, cp}),
          utf8({cp, 0x11A8}), utf8({'e', 0x301, cp, 0x327, 'x'}), utf8({cp, cp})}) {
      if (nfc_fast(s) != nfc_reference(s) && bad++ < 5) {
        ADD_FAILURE() << "U+" << std::hex << static_cast<uint32_t>(cp);
      }
    }
  }
  EXPECT_EQ(bad, 0u);
}

TEST(tokenizer_fast_paths, nfc_matches_utf8proc_on_random_mixtures) {
  // Characters that decompose, compose, reorder or are plain.
  const std::vector<char32_t> pool = {
      'a',    'e',    'o',    'A',    ' ',    '.',     0xE9,    0xC5,   0x212B, 0x300,
      0x301,  0x308,  0x323,  0x327,  0x344,  0x1E0B,  0x1E63,  0x1100, 0x1161, 0x11A8,
      0xAC00, 0xAC01, 0x0928, 0x093C, 0x0929, 0x09C7,  0x09BE,  0x0B47, 0x0B3E, 0x0BC6,
      0x0BBE, 0x3099, 0x304B, 0x304C, 0xF900, 0x2F800, 0x1D15E, 0x0F73, 0x0F71, 0x0F72,
      0x4E00, 0x0627, 0x0653, 0x05D0, 0x05B7, 0x0301,  0x1F600, 0x03B1, 0x0345, 0x1FB3};
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1), len(1, 12);
  std::size_t bad = 0;
  for (int t = 0; t < 200000; ++t) {
    std::string s;
    for (std::size_t k = len(rng); k > 0; --k) append_utf8(s, pool[pick(rng)]);
    if (nfc_fast(s) != nfc_reference(s) && bad++ < 5) ADD_FAILURE() << s;
  }
  EXPECT_EQ(bad, 0u);
}

TEST(tokenizer_fast_paths, token_table_acts_like_a_map) {
  std::mt19937 rng(7);
  std::unordered_map<std::string, int32_t> reference;
  TokenTable table;
  std::uniform_int_distribution<int> byte(0, 255), len(0, 20);
  for (int32_t id = 0; id < 50000; ++id) {
    std::string s;
    for (int k = len(rng); k > 0; --k) s.push_back(static_cast<char>(byte(rng) % 6 + 'a'));
    table.insert(s, id);
    reference[s] = id;  // the last duplicate wins
  }
  table.finalize();
  EXPECT_EQ(table.size(), reference.size());
  for (const auto& [s, id] : reference) {
    ASSERT_EQ(table.find(s), id) << s;
    ASSERT_EQ(table.token(id), std::string_view(s));
  }
  EXPECT_EQ(table.find("not-a-token-zzz"), -1);
  std::size_t seen = 0;
  table.for_each([&](std::string_view token, int32_t id) {
    ++seen;
    EXPECT_EQ(reference.at(std::string(token)), id);
  });
  EXPECT_EQ(seen, reference.size());
  // Ids whose key was later given another id have no token.
  std::size_t missing = 0;
  for (int32_t id = 0; id < 50000; ++id) missing += !table.token(id).has_value();
  EXPECT_EQ(missing, 50000 - reference.size());
}

TEST(tokenizer_fast_paths, byte_level_table_matches_the_mapping) {
  const auto& table = byte_to_unicode_table();
  for (int b = 0; b < 256; ++b) {
    const char in = static_cast<char>(b);
    char buf[2];
    const char* end = write_byte_level(buf, std::string_view(&in, 1));
    EXPECT_EQ(std::string_view(buf, static_cast<std::size_t>(end - buf)), table[b]) << b;
  }
}

// Long words of SentencePiece-style models are cut where no vocab token contains the two
// characters around the cut; the ids must equal BPE over the whole word, and the cache and
// whole-word shortcuts must agree with the plain merge loop.
TEST(tokenizer_fast_paths, chunked_and_cached_bpe_matches_plain_bpe) {
  std::vector<std::string> texts = testing::read_corpus_texts(testing::corpus_path());
  const std::string bench = ::testing::TempDir() + "instill_fast_paths_corpus.jsonl";
  if (testing::run_command("/usr/bin/python3 " + testing::source_dir().string() +
                           "/bench/tokenizer_make_corpus.py " + bench + " 2")
          .exit_code == 0) {
    for (auto& t : testing::read_corpus_texts(bench)) texts.push_back(std::move(t));
  }
  std::size_t checked = 0;
  for (const char* name : {"llama2", "gemma3"}) {
    const std::string path = testing::lenml_tokenizer_json(name);
    if (!std::filesystem::exists(path)) continue;
    const auto tok = load_tokenizer_json(path);
    const auto* bpe = dynamic_cast<const BpeModel*>(tok->model.get());
    ASSERT_NE(bpe, nullptr) << name;
    std::size_t bad = 0;
    for (int pass = 0; pass < 2; ++pass) {  // the second pass is served from the caches
      for (std::string word : texts) {
        if (tok->normalizer) tok->normalizer->normalize(word);
        std::vector<int32_t> fast, plain;
        bpe->tokenize(word, fast);
        bpe->tokenize_uncached(word, plain);
        if (fast != plain && bad++ < 3) ADD_FAILURE() << name << ": " << word.substr(0, 200);
        ++checked;
      }
    }
    EXPECT_EQ(bad, 0u) << name;
  }
  if (checked == 0) INSTILL_UNAVAILABLE("no Llama-2 / Gemma-3 tokenizer.json in .deps");
}

}  // namespace
}  // namespace instill::tokenizer
