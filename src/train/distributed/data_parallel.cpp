#include "train/distributed/data_parallel.hpp"

namespace instill::train::distributed {

DataParallel::DataParallel(std::shared_ptr<DataParallelGroup> group, AdamW& optimizer)
    : group_(std::move(group)) {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  std::vector<torch::Tensor> params;
  for (const ParamGroup& g : optimizer.groups())
    for (size_t i = 0; i < g.params.size(); ++i) {
      named.emplace_back(g.names[i], g.params[i]);
      params.push_back(g.params[i]);
    }
  averager_ = std::make_unique<GradientAverager>(*group_, params);
  sharding_ = std::make_unique<OptimizerSharding>(*group_, named);
  sharding_->broadcast_from_rank0();
}

CheckpointRanks DataParallel::checkpoint_ranks() {
  CheckpointRanks ranks;
  ranks.rank = group_->rank();
  ranks.world_size = group_->world_size();
  ranks.barrier = [group = group_](const std::string& what) { group->barrier(what); };
  ranks.owns_parameter = [this](const std::string& name) { return sharding_->owns(name); };
  return ranks;
}

}  // namespace instill::train::distributed
