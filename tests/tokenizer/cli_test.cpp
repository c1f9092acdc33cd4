// `instill tokenize` end to end: ids equal the oracle's, errors name the input line / JSON
// path and exit 1.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "oracle.hpp"

namespace instill::tokenizer {
namespace {
namespace fs = std::filesystem;
// (exit code, stdout)
std::pair<int, std::string> run_command(const std::string& command) {
  // Grouped, so that the command's own redirections (2>&1 >/dev/null) decide what is stdout.
  const auto r = testing::run_command("{ " + command + "; }");
  return {r.exit_code, r.out};
}

std::string temp_file(const std::string& name, const std::string& content) {
  const fs::path p =
      fs::temp_directory_path() / ("instill_tok_cli_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

std::string cli() { return std::string(INSTILL_BINARY) + " tokenize"; }

TEST(tokenizer_cli, encodes_like_the_oracle) {
  INSTILL_REQUIRE_NODE_ORACLE();
  INSTILL_REQUIRE_GPT2(gpt2);
  const std::string dir = gpt2.string();
  const std::string corpus = testing::corpus_path();
  const auto oracle =
      testing::run_oracle(testing::gpt2_tokenizer_json(), corpus, R"(["^","$","°"])", true);
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
  INSTILL_REQUIRE_GPT2(gpt2);
  const std::string dir = gpt2.string();
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

// The input is read in chunks and its lines are shared among threads: the output must keep
// the input's order and equal the one-thread output, from a file or a pipe, and an error
// must name the first bad line after every line before it has been written.
TEST(tokenizer_cli, threads_keep_the_order_and_report_the_first_bad_line) {
  INSTILL_REQUIRE_GPT2(gpt2);
  const std::string dir = gpt2.string();
  std::string input;
  for (int i = 0; i < 6000; ++i) {
    nlohmann::json line = {{"text", "line " + std::to_string(i) + std::string(i % 97, 'a') +
                                        " \u00e9t\u00e9 " + std::to_string(i * 7919)}};
    input += line.dump() + (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 500 == 0) input += "\n";
  }
  const std::string good = temp_file("many.jsonl", input);
  auto [rc1, one] = run_command(cli() + " --tokenizer " + dir + " --threads 1 --input " + good);
  ASSERT_EQ(rc1, 0);
  EXPECT_EQ(std::count(one.begin(), one.end(), '\n'), 6000);
  auto [rc2, two] = run_command(cli() + " --tokenizer " + dir + " --threads 2 --input " + good);
  ASSERT_EQ(rc2, 0);
  EXPECT_EQ(two, one);
  auto [rc_stats, stats] = run_command(cli() + " --tokenizer " + dir +
                                       " --threads 2 --stats --input " + good + " 2>&1 >/dev/null");
  ASSERT_EQ(rc_stats, 0);
  EXPECT_NE(stats.find("lines 6000 bytes " + std::to_string(input.size()) + " tokens "),
            std::string::npos)
      << stats;
  // Without --threads it uses every core, and says so.
  auto [rc3, piped] = run_command("cat " + good + " | " + cli() + " --tokenizer " + dir);
  ASSERT_EQ(rc3, 0);
  EXPECT_EQ(piped, one);
  auto [rc_default, default_stats] =
      run_command(cli() + " --tokenizer " + dir + " --stats --input " + good + " 2>&1 >/dev/null");
  ASSERT_EQ(rc_default, 0);
  EXPECT_NE(
      default_stats.find(" threads " +
                         std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " "),
      std::string::npos)
      << default_stats;

  // Lines 4001 and 5501 (counting the blank lines) become invalid JSON, in different tasks:
  // the error must be the first one in input order, not the first one a thread hits.
  std::string broken = input;
  for (const int bad_line : {5501, 4001}) {
    std::size_t pos = 0;
    for (int line = 1; line < bad_line; ++line) pos = broken.find('\n', pos) + 1;
    broken.insert(pos, "{oops");
  }
  const std::string bad = temp_file("many_bad.jsonl", broken);
  auto [rc4, out4] =
      run_command(cli() + " --tokenizer " + dir + " --threads 2 --input " + bad + " 2>/dev/null");
  EXPECT_EQ(rc4, 1);
  // 4000 lines before it, of which 8 are blank (after inputs 0, 500, ..., 3500).
  EXPECT_EQ(std::count(out4.begin(), out4.end(), '\n'), 3992);
  EXPECT_EQ(out4, one.substr(0, out4.size()));
  auto [rc5, err5] = run_command(cli() + " --tokenizer " + dir + " --threads 2 --input " + bad +
                                 " 2>&1 >/dev/null");
  EXPECT_EQ(rc5, 1);
  EXPECT_NE(err5.find("input line 4001"), std::string::npos) << err5;
}

TEST(tokenizer_cli, bad_input_names_the_line_and_exits_1) {
  INSTILL_REQUIRE_GPT2(gpt2);
  const std::string dir = gpt2.string();
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
      "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true},
      {"type": "CharDelimiterSplit"}]}})");
  auto [rc3, out3] =
      run_command("echo '{\"text\": \"x\"}' | " + cli() + " --tokenizer " + bad_tok + " 2>&1");
  EXPECT_EQ(rc3, 1);
  EXPECT_NE(out3.find(R"(pre_tokenizer.pretokenizers[1].type: unsupported "CharDelimiterSplit")"),
            std::string::npos)
      << out3;
}

}  // namespace
}  // namespace instill::tokenizer
