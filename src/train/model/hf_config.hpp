#pragma once
// A Hugging Face config.json, read into what instill's model families need. The document
// itself is kept, so an export writes back every key it did not change (generation
// settings, token ids, fields newer than instill).
#include <filesystem>
#include <string>
#include <vector>

#include "core/value.hpp"
#include "train/model/attention.hpp"

namespace instill::train {

// Llama-family decoders (Llama, Mistral, Qwen2, Qwen3) and GPT-2.
enum class HfFamily { kLlama, kGpt2 };

struct HfModelConfig {
  std::string architecture;  // "Qwen2ForCausalLM", ...
  HfFamily family = HfFamily::kLlama;
  int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0, num_layers = 0;
  int64_t num_heads = 0, num_kv_heads = 0, head_dim = 0, max_positions = 0;
  double norm_eps = 1e-6;
  double rope_theta = 10000;
  RopeScaling rope_scaling;
  bool qkv_bias = false, o_bias = false, mlp_bias = false;
  bool qk_norm = false;  // Qwen3: RMSNorm of each head's q and k before RoPE
  bool tie_word_embeddings = false;
  int64_t sliding_window = 0;       // 0: none
  std::string hidden_act = "silu";  // gated MLP for Llama-family; GPT-2's activation_function
  double dropout = 0.0;             // GPT-2's resid_pdrop
  std::string torch_dtype = "float32";
  Value document;  // config.json as read

  // Parses and validates; `where` names the file in errors.
  static HfModelConfig from_json(const Value& document, const std::string& where);
  static HfModelConfig from_file(const std::filesystem::path& config_json);
  // config.json with vocab_size and torch_dtype brought up to date.
  Value to_json() const;
};

// "Qwen2ForCausalLM, LlamaForCausalLM, ..." for error messages.
const std::vector<std::string>& supported_hf_architectures();

}  // namespace instill::train
