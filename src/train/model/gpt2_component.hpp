#pragma once
// The model/gpt2 component: the reference's gpt2 model config (its keys in gpt2_fields.hpp,
// plus the attention transforms and the three norms) built into a Gpt2CausalLM.
#include "config/registry.hpp"

namespace instill::train {

void register_gpt2_model(config::Registry& registry);

}  // namespace instill::train
