#pragma once
// Hugging Face model directories in and out. Import reads config.json and the safetensors
// weights (one file or a sharded index; F32, BF16 or F16) into an instill model: the
// Llama-family decoders keep Hugging Face's parameter names, GPT2LMHeadModel becomes the
// reference's gpt2 model (Conv1D weights transposed, c_attn split into q/k/v). Export is the
// inverse, and also maps the reference's gpt2 model to the closest Hugging Face
// architecture (GPT2LMHeadModel or LlamaForCausalLM), or says why none fits.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/value.hpp"
#include "train/model/causal_lm.hpp"

namespace instill::train {

// All tensors of a model directory (model.safetensors or model.safetensors.index.json), as
// stored (CPU, original dtypes).
std::map<std::string, torch::Tensor> read_hf_weights(const std::filesystem::path& dir);

// A model directory (already resolved; see core/hf_hub.hpp), weights in float32.
std::shared_ptr<CausalLM> load_hf_model(const std::filesystem::path& dir,
                                        const std::string& sample_key = "input_ids",
                                        const std::string& prediction_key = "logits");

// The architecture a model.json describes (CausalLM::describe()), with fresh weights.
std::shared_ptr<CausalLM> build_model(const Value& description, const std::string& where);

struct HfExport {
  Value config;  // config.json
  std::map<std::string, torch::Tensor> tensors;
};
// Throws, naming what does not fit, when no supported architecture can hold the model.
HfExport export_hf(CausalLM& model);

// Writes config.json and the weights converted to `dtype`: model.safetensors, or shards of
// at most max_shard_bytes with model.safetensors.index.json when larger.
void write_hf_model(const std::filesystem::path& dir, const HfExport& model,
                    torch::ScalarType dtype, uint64_t max_shard_bytes);

// "float32" / "bfloat16" / "float16" <-> torch.
torch::ScalarType torch_dtype_from_name(const std::string& name);
std::string torch_dtype_name(torch::ScalarType type);

}  // namespace instill::train
