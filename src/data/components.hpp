#pragma once
#include "config/registry.hpp"

namespace instill::data {

// Registers the data-path components: the tokenizer, the continuous and the packed SFT
// datasets, and the number conversions that only need them.
void register_data_components(config::Registry& registry);

}  // namespace instill::data
