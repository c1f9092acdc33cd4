// `instill tokenize` end to end: ids equal the oracle's, errors name the input line / JSON
// path and exit 1.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace instill::tokenizer {
namespace {
namespace fs = std::filesystem;
using testing::run_command;

std::string temp_file(const std::string& name, const std::string& content) {
  const fs::path p =
      fs::temp_directory_path() / ("instill_tok_cli_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

std::string cli() { return std::string(INSTILL_BINARY) + " tokenize"; }

TEST(tokenizer_cli, encodes_like_the_oracle) {
  if (auto reason = testing::oracle_unavailable_reason()) GTEST_SKIP() << "SKIPPED: " << *reason;
  const std::string dir = testing::gpt2_fixture_dir();
  if (!testing::file_exists(dir)) GTEST_SKIP() << "SKIPPED: missing " << dir;
  const std::string corpus = testing::corpus_path();
  const auto oracle =
      testing::run_oracle(dir + "/tokenizer.json", corpus, R"(["^","$","°"])", true);
  for (const char* threads : {"1", "3"}) {
    auto [rc, out] =
        run_command(cli() + " --tokenizer " + dir +
                    " --special_tokens '{\"additional_special_tokens\": [\"^\", \"$\", "
                    "\"°\"]}' --threads " +
                    threads + " --input " + corpus);
    ASSERT_EQ(rc, 0);
    std::istringstream lines(out);
    std::string line;
    std::size_t i = 0;
    while (std::getline(lines, line)) {
      ASSERT_LT(i, oracle.size());
      EXPECT_EQ(nlohmann::json::parse(line).at("ids").get<std::vector<int>>(), oracle[i].ids)
          << "line " << i + 1;
      ++i;
    }
    EXPECT_EQ(i, oracle.size());
  }
}

TEST(tokenizer_cli, tokens_decode_and_padding) {
  const std::string dir = testing::gpt2_fixture_dir();
  if (!testing::file_exists(dir)) GTEST_SKIP() << "SKIPPED: missing " << dir;
  const std::string in = temp_file("in.jsonl", "{\"text\": \"Hello world\"}\n");
  auto [rc, out] = run_command(cli() + " --tokenizer " + dir +
                               " --tokens --max_length 4 --padding max_length "
                               "--special_tokens '{\"pad_token\": \"°\"}' --input " +
                               in);
  ASSERT_EQ(rc, 0);
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("ids").get<std::vector<int>>(), (std::vector<int>{15496, 995, 108, 108}));
  EXPECT_EQ(j.at("tokens").get<std::vector<std::string>>(),
            (std::vector<std::string>{"Hello", "\xC4\xA0world", "°", "°"}));
  const std::string ids = temp_file("ids.jsonl", "{\"ids\": [15496, 995, 50256]}\n");
  auto [rc2, out2] = run_command(cli() + " --tokenizer " + dir + " --decode --input " + ids);
  ASSERT_EQ(rc2, 0);
  EXPECT_EQ(nlohmann::json::parse(out2).at("text"), "Hello world<|endoftext|>");
}

TEST(tokenizer_cli, bad_input_names_the_line_and_exits_1) {
  const std::string dir = testing::gpt2_fixture_dir();
  if (!testing::file_exists(dir)) GTEST_SKIP() << "SKIPPED: missing " << dir;
  const std::string bad_utf8 =
      temp_file("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"\xC3\x28\"}\n");
  auto [rc, out] = run_command(cli() + " --tokenizer " + dir + " --input " + bad_utf8 + " 2>&1");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("input line 2"), std::string::npos) << out;
  const std::string surrogate = temp_file("sur.jsonl", "{\"text\": \"a\\ud800b\"}\n");
  auto [rc2, out2] = run_command(cli() + " --tokenizer " + dir + " --input " + surrogate + " 2>&1");
  EXPECT_EQ(rc2, 1);
  EXPECT_NE(out2.find("input line 1"), std::string::npos) << out2;
  const std::string bad_tok = temp_file(
      "tokenizer.json",
      R"({"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "Sequence",
      "pretokenizers": [{"type": "ByteLevel"}, {"type": "CharDelimiterSplit"}]}})");
  auto [rc3, out3] =
      run_command("echo '{\"text\": \"x\"}' | " + cli() + " --tokenizer " + bad_tok + " 2>&1");
  EXPECT_EQ(rc3, 1);
  EXPECT_NE(out3.find(R"(pre_tokenizer.pretokenizers[1].type: unsupported "CharDelimiterSplit")"),
            std::string::npos)
      << out3;
}

}  // namespace
}  // namespace instill::tokenizer
