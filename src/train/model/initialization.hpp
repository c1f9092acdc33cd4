#pragma once
// model_initialization/composed (spec §8.8.4): every module's default init, then normal
// weights / zero biases by the reference's name rules; "scaled" divides the std of the
// residual output projections by sqrt(2 * num_layers), "scaled_embed" widens embeddings.
#include <optional>
#include <string>

#include "train/model/causal_lm.hpp"

namespace instill::train {

struct InitConfig {
  enum class Type { kPlain, kScaled, kScaledEmbed } type = Type::kPlain;
  double mean = 0.0;
  double std = 0.02;
  std::optional<int64_t> num_layers;  // required for scaled / scaled_embed
};

void initialize_gpt2_weights(CausalLM& model, const InitConfig& config);

}  // namespace instill::train
