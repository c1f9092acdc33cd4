// A tokenizer folder's settings read in one place: the chat template's precedence, special
// tokens from both files, GPT-2's defaults for a vocab.json + merges.txt folder, and the one
// special-tokens parser of the CLI and the config component.
#include "tokenizer/tokenizer_folder.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "core/python_json.hpp"
#include "test_support.hpp"

namespace instill::tokenizer {
namespace {

using ::instill::testing::error_of;

using ::instill::testing::TempDir;

TEST(TokenizerFolder, ChatTemplateFromStringListAndJinjaFile) {
  TempDir a;
  a.write("tokenizer_config.json", R"({"chat_template": "{{ 'plain' }}"})");
  EXPECT_EQ(folder_chat_template(a.path()), "{{ 'plain' }}");
  TempDir b;
  b.write(
      "tokenizer_config.json",
      R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]})");
  EXPECT_EQ(folder_chat_template(b.path()), "D");
  EXPECT_EQ(read_tokenizer_folder(b.path(), false).named_chat_templates.at("tool_use"), "T");
  TempDir c;
  c.write("tokenizer_config.json", R"({"bos_token": "<s>"})");
  c.write("chat_template.jinja", "from file");
  EXPECT_EQ(folder_chat_template(c.path()), "from file");
  TempDir d;
  d.write("tokenizer_config.json", R"({"chat_template": null})");
  EXPECT_NE(error_of([&] { folder_chat_template(d.path()); }).find("no chat template"),
            std::string::npos);
  TempDir e;
  e.write("tokenizer_config.json", R"({"chat_template": [{"name": "x", "template": "T"}]})");
  EXPECT_NE(error_of([&] { folder_chat_template(e.path()); }).find("no entry named \"default\""),
            std::string::npos);
}

TEST(TokenizerFolder, JinjaFileWinsOverTheConfigsTemplate) {
  TempDir dir;
  dir.write("tokenizer_config.json", R"({"chat_template": "from config"})");
  dir.write("chat_template.jinja", "from file");
  const TokenizerFolder f = read_tokenizer_folder(dir.path(), false);
  EXPECT_EQ(f.chat_template, std::optional<std::string>("from file"));
  EXPECT_EQ(f.chat_template_origin, (dir / "chat_template.jinja").string());
  EXPECT_EQ(folder_chat_template(dir.path()), "from file");
}

TEST(TokenizerFolder, ConfigWinsOverSpecialTokensMapAndNullRemoves) {
  TempDir dir;
  dir.write("special_tokens_map.json",
            R"({"bos_token": "<a>", "eos_token": {"content": "<e>"}, "pad_token": "<p>",
                "additional_special_tokens": ["<x>"]})");
  dir.write("tokenizer_config.json",
            R"({"bos_token": "<b>", "pad_token": null, "model_max_length": 1e30,
                "padding_side": "left", "clean_up_tokenization_spaces": true})");
  const TokenizerFolder f = read_tokenizer_folder(dir.path(), false);
  EXPECT_EQ(f.special_tokens.at("bos_token"), "<b>");
  EXPECT_EQ(f.special_tokens.at("eos_token"), "<e>");
  EXPECT_FALSE(f.special_tokens.count("pad_token"));
  EXPECT_EQ(f.additional_special_tokens, std::vector<std::string>{"<x>"});
  EXPECT_FALSE(f.model_max_length.has_value());  // "very large" is no limit
  EXPECT_TRUE(f.padding_left);
  EXPECT_TRUE(f.clean_up_tokenization_spaces);
}

TEST(TokenizerFolder, Gpt2DefaultsForVocabMergesFolders) {
  TempDir bare;
  const TokenizerFolder f = read_tokenizer_folder(bare.path(), true);
  for (const char* kind : {"bos_token", "eos_token", "unk_token"})
    EXPECT_EQ(f.special_tokens.at(kind), "<|endoftext|>") << kind;
  EXPECT_TRUE(read_tokenizer_folder(bare.path(), false).special_tokens.empty());
  TempDir roberta;  // another class named by the config keeps its own defaults
  roberta.write("tokenizer_config.json", R"({"tokenizer_class": "RobertaTokenizer"})");
  EXPECT_TRUE(read_tokenizer_folder(roberta.path(), true).special_tokens.empty());
  TempDir custom;  // the files override the defaults
  custom.write("tokenizer_config.json", R"({"eos_token": "<end>", "unk_token": null})");
  const TokenizerFolder c = read_tokenizer_folder(custom.path(), true);
  EXPECT_EQ(c.special_tokens.at("eos_token"), "<end>");
  EXPECT_FALSE(c.special_tokens.count("unk_token"));
  EXPECT_EQ(c.special_tokens.at("bos_token"), "<|endoftext|>");
}

TEST(TokenizerFolder, BadJsonNamesTheFile) {
  TempDir dir;
  dir.write("tokenizer_config.json", "{\"bos_token\": ");
  const std::string msg = error_of([&] { read_tokenizer_folder(dir.path(), false); });
  EXPECT_NE(msg.find("tokenizer_config.json"), std::string::npos) << msg;
}

TEST(SpecialTokens, ParsesKindsAndNamesTheKeyOnErrors) {
  const SpecialTokens ok = parse_special_tokens(
      json_loads(R"({"pad_token": "°", "additional_special_tokens": ["^", "$"]})"), "x");
  EXPECT_EQ(ok.at("pad_token"), std::vector<std::string>{"°"});
  EXPECT_EQ(ok.at("additional_special_tokens"), (std::vector<std::string>{"^", "$"}));
  EXPECT_TRUE(parse_special_tokens(Value(), "x").empty());
  try {
    parse_special_tokens(json_loads(R"({"foo_token": "a"})"), "--special_tokens",
                         ErrorKind::kUsage);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("--special_tokens.foo_token: unknown special token kind"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NE(error_of([] {
              parse_special_tokens(json_loads(R"({"pad_token": ["a"]})"), "t.special_tokens");
            }).find("t.special_tokens.pad_token: expected a string, got [\"a\"]"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_special_tokens(json_loads("[1]"), "t"); }).find("t: expected a mapping"),
      std::string::npos);
}

}  // namespace
}  // namespace instill::tokenizer
