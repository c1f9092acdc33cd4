// Fine-tuning a Hugging Face model with `instill run`, end to end: model/
// huggingface_pretrained_model loads the directory, special tokens the config adds beyond
// the tokenizer's vocabulary grow the embedding (new rows = mean of the old ones; the
// reference cannot do this, its issue 208), checkpoints carry the extended tokenizer and the
// architecture, and chat / convert_to_hf work on the result. (The lorem-ipsum data holds no
// markers, so the loss is masked out everywhere: this test is about the plumbing.)
#include <gtest/gtest.h>

#include "test_support.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "train/tensor_io.hpp"

namespace instill::testing {
namespace {

std::string replace_section(std::string text, const std::string& from, const std::string& to,
                            const std::string& with) {
  const size_t a = text.find(from);
  const size_t b = text.find(to, a);
  EXPECT_NE(a, std::string::npos) << from;
  EXPECT_NE(b, std::string::npos) << to;
  return text.replace(a, b - a, with);
}

std::string finetune_config(const fs::path& model) {
  std::string c = slurp(std::string(INSTILL_SOURCE_DIR) + "/tests/train/configs/tiny_train.yaml");
  c = replace_section(c, "collate_fn:\n", "train_dataset:", R"(collate_fn:
  component_key: collate_fn
  variant_key: mask_loss_collator_wrapper
  config:
    wrapped_collate_fn:
      component_key: collate_fn
      variant_key: gpt_2_llm_collator
      config:
        sample_key: ${settings.referencing_keys.sample_key}
        target_key: ${settings.referencing_keys.target_key}
    target_keys_to_mask:
      - ${settings.referencing_keys.target_key}
    loss_ignore_index: -100
    mask_tokens:
      b_include_to_loss_token: <|reply|>
      e_include_to_loss_token: <|end_reply|>
    tokenizer:
      component_key: tokenizer
      variant_key: pretrained_hf_tokenizer
      config:
        pretrained_model_name_or_path: )" + model.string() + R"(
        padding: false
        truncation: false
        special_tokens:
          pad_token: <|endoftext|>
          additional_special_tokens: ["<|reply|>", "<|end_reply|>"]

)");
  c = replace_section(c, "initialized_model:\n", "lr_scheduler:", R"(model_raw:
  component_key: model
  variant_key: huggingface_pretrained_model
  config:
    model_type: AutoModelForCausalLM
    model_name: )" + model.string() + R"(
    prediction_key: ${loss_fn.config.prediction_key}
    huggingface_prediction_subscription_key: logits
    sample_key: ${settings.referencing_keys.sample_key}

)");
  for (size_t p = c.find("instance_key: initialized_model"); p != std::string::npos;
       p = c.find("instance_key: initialized_model"))
    c.replace(p, 31, "instance_key: model_raw");
  c = replace_section(c, "weight_decay_groups_excluded:", "\n", "weight_decay_groups_excluded: []");
  c = c.substr(0, c.find("mfu_calculator:"));
  return c;
}

TEST(HfFinetuneE2E, NewSpecialTokensGrowTheModelAndTravelWithCheckpoints) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  INSTILL_REQUIRE_GPT2(tok);
  INSTILL_REQUIRE_PYTHON_MODULE("torch");
  TempDir tmp;
  const fs::path model = tmp / "base";
  auto m = run_command("/usr/bin/python3 " + std::string(INSTILL_SOURCE_DIR) +
                       "/tests/train/hf_reference.py make --arch qwen2 --seed 2 --vocab_size 50257 "
                       "--out " +
                       model.string());
  ASSERT_EQ(m.exit_code, 0) << m.err;
  for (const auto& e : fs::directory_iterator(tok))
    fs::copy_file(e.path(), model / e.path().filename());
  spit(tmp / "ft.yaml", finetune_config(model));

  auto r = run_command("cd '" + tmp.path().string() + "' && INSTILL_TRAIN_PBIN='" + pbin.string() +
                       "' INSTILL_EVAL_PBIN='" + pbin.string() + "' '" + instill_binary() +
                       "' run --threads 1 --config_file_path ft.yaml --experiments_root_path exp "
                       "--experiment_id ft --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.err.find("grew the model's vocabulary from 50257 to 50259"), std::string::npos)
      << r.err;

  fs::path last;
  for (const auto& e : fs::directory_iterator(tmp / "exp" / "ft" / "checkpoints"))
    if (e.path().filename().string().find("seen_steps_15-") != std::string::npos) last = e.path();
  ASSERT_FALSE(last.empty());
  auto weights = train::load_tensors(last / "model.safetensors");
  ASSERT_TRUE(weights.count("model.embed_tokens.weight"));
  EXPECT_EQ(weights["model.embed_tokens.weight"].size(0), 50259);
  // The extended tokenizer is saved with the checkpoint and knows the new tokens.
  auto saved = tokenizer::HfTokenizer::from_pretrained(last / "tokenizer");
  EXPECT_EQ(saved.get_token_id("<|reply|>"), 50257);
  EXPECT_EQ(saved.get_token_id("<|end_reply|>"), 50258);
  const auto ids = saved.encode("a<|end_reply|>b", {});
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 50258), 1);
  EXPECT_NE(slurp(last / "model.json").find("Qwen2ForCausalLM"), std::string::npos);

  // The tuned model chats (tokenizer found in the checkpoint) and exports with 50259 rows.
  auto chat = run_command("'" + instill_binary() + "' chat --model '" +
                          (tmp / "exp" / "ft" / "checkpoints").string() +
                          "' --prompt 'Lorem ipsum' --raw --max_new_tokens 5 --temperature 0");
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  auto exp = run_command("'" + instill_binary() + "' convert_to_hf --checkpoint '" + last.string() +
                         "' --output '" + (tmp / "hf").string() + "'");
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  EXPECT_NE(slurp(tmp / "hf" / "config.json").find("\"vocab_size\": 50259"), std::string::npos);
  auto exported = tokenizer::HfTokenizer::from_pretrained(tmp / "hf");
  EXPECT_EQ(exported.get_token_id("<|end_reply|>"), 50258);
}

}  // namespace
}  // namespace instill::testing
