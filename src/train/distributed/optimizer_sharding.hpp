#pragma once
// ZeRO-1 style sharding of the optimizer state: every parameter has one owning rank, which
// alone keeps its AdamW moments and updates it; the owners then broadcast the updated
// parameters so all ranks hold the same full model again. The optimizer state per rank
// shrinks to about 1/world_size; the model and gradients stay replicated.
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "train/distributed/process_group.hpp"

namespace instill::train::distributed {

class OptimizerSharding {
 public:
  // Parameters are assigned largest first to the least loaded rank (by element count); the
  // assignment depends only on names and shapes, so every rank computes the same one.
  OptimizerSharding(DataParallelGroup& group,
                    std::vector<std::pair<std::string, torch::Tensor>> named_params);

  int owner(const std::string& name) const;
  bool owns(const std::string& name) const { return owner(name) == group_.rank(); }
  int64_t owned_numel(int rank) const { return owned_numel_.at(static_cast<size_t>(rank)); }

  // Before the optimizer step: forget the gradients of parameters another rank updates, so
  // the optimizer steps (and keeps state for) this rank's shard only.
  void drop_foreign_gradients();
  // After the optimizer step: each rank broadcasts its updated parameters (one flat buffer
  // per rank and dtype).
  void share_updated_parameters();
  // At start-up: rank 0's parameters everywhere, whatever each rank initialised.
  void broadcast_from_rank0();

 private:
  void broadcast_flat(const std::vector<size_t>& indices, int root, const std::string& what);
  DataParallelGroup& group_;
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  std::map<std::string, int> owner_;
  std::vector<std::vector<size_t>> owned_;  // per rank: indices into params_
  std::vector<int64_t> owned_numel_;
};

}  // namespace instill::train::distributed
