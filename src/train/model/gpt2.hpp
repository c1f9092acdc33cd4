#pragma once
// The reference's `gpt2` model (spec §8.8.2): token embedding (+ learned positions or none),
// pre-norm blocks of grouped-query attention with optional RoPE and a GELU or SwiGLU MLP,
// a final norm and a bias-free LM head (optionally tied to the embedding). Parameter names
// match the reference ("transformer.h.0.attn.q_attn.weight", ...), so initialisation rules,
// weight-decay groups and checkpoints line up.
#include <torch/torch.h>

#include <optional>
#include <string>

#include "core/value.hpp"
#include "train/model/causal_lm.hpp"

namespace instill::train {

struct NormConfig {
  enum class Type { kLayerNorm, kRmsNorm } type = Type::kLayerNorm;
  double eps = 1e-5;
  bool bias = true;  // layer_norm always has one; rms_norm optionally
};

struct Gpt2Config {
  std::string sample_key = "input_ids", prediction_key = "logits";
  bool use_weight_tying = false;
  enum class Positions { kNone, kAbsolute } positions = Positions::kNone;
  int64_t sequence_length = 256, vocab_size = 50304;
  int64_t n_layer = 2, n_head_q = 8, n_head_kv = 8, n_embd = 128, ffn_hidden = 512;
  double dropout = 0.0;
  bool bias = true;
  bool rope = false;
  double rope_base = 10000;
  int64_t rope_head_dim = 0;  // n_embd / n_head of the RotaryTransform config
  enum class Attention { kManual, kSdpa } attention = Attention::kManual;
  // kGeluTanh: GPT-2's "gelu_new" (Hugging Face GPT2LMHeadModel imports).
  enum class Activation { kGelu, kGeluTanh, kSwiglu } activation = Activation::kGelu;
  NormConfig attention_norm, ffn_norm, lm_head_norm;
  std::optional<uint64_t> seed;
  int64_t swiglu_hidden_multiple = 256;
  // The config.json a GPT2LMHeadModel import came from (kept so an export writes it back).
  Value hf_config;

  int64_t head_dim() const { return n_embd / n_head_q; }
  // round_up(int(2 * ffn_hidden / 3), multiple) (spec Q14).
  int64_t swiglu_hidden() const;
  // Throws naming the offending field.
  void validate() const;
};

class Gpt2Model;

// model.json of a gpt2 model and back (every Gpt2Config field).
Value describe_gpt2_config(const Gpt2Config& config);
Gpt2Config gpt2_config_from_description(const Value& description);

class Gpt2CausalLM : public CausalLM {
 public:
  explicit Gpt2CausalLM(const Gpt2Config& config);
  using CausalLM::hidden_states;
  torch::Tensor hidden_states(const torch::Tensor& ids, const DocumentLayout& layout) override;
  torch::Tensor hidden_states_cached(const torch::Tensor& ids, KvCache& cache) override;
  Value describe() const override;
  torch::Tensor lm_head_weight() override;
  torch::nn::Module& module() override;
  const std::string& sample_key() const override { return config_.sample_key; }
  const std::string& prediction_key() const override { return config_.prediction_key; }
  std::map<std::string, std::vector<std::string>> weight_decay_groups() const override;
  int64_t max_sequence_length() const override { return config_.sequence_length; }
  int64_t vocab_size() const override { return config_.vocab_size; }
  void resize_vocabulary(int64_t new_size) override;
  const Gpt2Config& config() const { return config_; }

 private:
  Gpt2Config config_;
  std::shared_ptr<Gpt2Model> model_;
};

}  // namespace instill::train
