#pragma once
// register_train_components: every training component of spec §8 under the reference's
// component_key / variant_key names (aliases map fsdp1/fsdp2/dcp/torch variants to
// instill's implementations).
#include "config/registry.hpp"

namespace instill::train {

void register_train_components(config::Registry& registry);

// Device mesh (spec §8.4): degrees after resolving -1, and the mesh dimensions present.
class DeviceMesh : public config::Component {
 public:
  std::string device_type;
  int64_t world_size = 1;
  int64_t dp_replicate = 1, dp_shard = 1, tp = 1, pp = 1, cp = 1;
  // Product of the sizes of the named dimensions that exist.
  int64_t degree(const std::vector<std::string>& methods) const;
};

}  // namespace instill::train
