#pragma once
// Finds and loads a model for generation from what a user has at hand: an instill checkpoint
// folder (model.json + model.safetensors), a checkpoint root (last_checkpoint_info.json),
// a Hugging Face model directory, or a hub id in the local Hugging Face cache.
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "train/model/causal_lm.hpp"

namespace instill::generate {

struct InferenceModel {
  std::shared_ptr<train::CausalLM> model;
  std::filesystem::path dir;  // the folder the weights came from
  // Where tokenizer files were saved with the model, if anywhere.
  std::optional<std::filesystem::path> tokenizer_dir;
};

InferenceModel load_inference_model(const std::string& path_or_id, torch::Device device);

// Loads model.safetensors of an instill checkpoint into `model` (names and shapes checked).
void load_checkpoint_weights(const std::filesystem::path& checkpoint, train::CausalLM& model);

}  // namespace instill::generate
