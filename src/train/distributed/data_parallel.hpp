#pragma once
// What the trainer needs for data-parallel training, in step order: average the gradients
// over the ranks, (clip), keep only this rank's optimizer shard's gradients, step, share the
// updated parameters; plus sums of the logging accumulators and the checkpoint roles.
#include <memory>

#include "train/checkpointing.hpp"
#include "train/distributed/gradient_averager.hpp"
#include "train/distributed/optimizer_sharding.hpp"
#include "train/distributed/process_group.hpp"
#include "train/optimizer.hpp"

namespace instill::train::distributed {

class DataParallel {
 public:
  // Makes all ranks start from rank 0's parameters.
  DataParallel(std::shared_ptr<DataParallelGroup> group, AdamW& optimizer);

  DataParallelGroup& group() { return *group_; }
  int rank() const { return group_->rank(); }
  int world_size() const { return group_->world_size(); }

  void average_gradients() { averager_->average(); }
  void drop_foreign_gradients() { sharding_->drop_foreign_gradients(); }
  void share_updated_parameters() { sharding_->share_updated_parameters(); }
  const OptimizerSharding& sharding() const { return *sharding_; }
  size_t num_gradient_buckets() const { return averager_->num_buckets(); }

  // Who writes and reads which checkpoint files (sharded optimizer state).
  CheckpointRanks checkpoint_ranks();

 private:
  std::shared_ptr<DataParallelGroup> group_;
  std::unique_ptr<GradientAverager> averager_;
  std::unique_ptr<OptimizerSharding> sharding_;
};

}  // namespace instill::train::distributed
