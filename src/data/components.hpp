#pragma once
#include "config/registry.hpp"

namespace instill::data {

// Registers the data-path components: the continuous packed dataset and the number
// conversions that only need it.
void register_data_components(config::Registry& registry);

}  // namespace instill::data
