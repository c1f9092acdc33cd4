#pragma once
// The Llama-family decoder as Hugging Face defines it (LlamaForCausalLM, MistralForCausalLM,
// Qwen2ForCausalLM, Qwen3ForCausalLM): token embedding, pre-RMSNorm blocks of grouped-query
// attention with rotary positions (optionally scaled, optionally with q/k norms, biases and a
// sliding window) and a gated SiLU MLP, a final RMSNorm and an LM head (optionally tied).
// Parameter names are Hugging Face's ("model.layers.0.self_attn.q_proj.weight"), so weights
// load and export without renaming.
#include <torch/torch.h>

#include "train/model/causal_lm.hpp"
#include "train/model/hf_config.hpp"

namespace instill::train {

class LlamaFamilyModel;

class LlamaFamilyLM : public CausalLM {
 public:
  explicit LlamaFamilyLM(HfModelConfig config, std::string sample_key = "input_ids",
                         std::string prediction_key = "logits");
  using CausalLM::hidden_states;
  torch::Tensor hidden_states(const torch::Tensor& ids, const DocumentLayout& layout) override;
  torch::Tensor hidden_states_cached(const torch::Tensor& ids, KvCache& cache) override;
  torch::Tensor lm_head_weight() override;
  torch::nn::Module& module() override;
  const std::string& sample_key() const override { return sample_key_; }
  const std::string& prediction_key() const override { return prediction_key_; }
  int64_t max_sequence_length() const override { return 0; }
  int64_t vocab_size() const override { return config_.vocab_size; }
  Value describe() const override;
  const HfModelConfig& config() const { return config_; }
  void resize_vocabulary(int64_t new_size) override;

 private:
  HfModelConfig config_;
  std::string sample_key_, prediction_key_;
  std::shared_ptr<LlamaFamilyModel> model_;
};

}  // namespace instill::train
