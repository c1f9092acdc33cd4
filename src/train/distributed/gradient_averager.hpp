#pragma once
// Averages gradients over the data-parallel ranks after backward: the gradients are copied
// into a few flat buckets (one dtype each, about `bucket_bytes` large), each bucket is
// all-reduced (sum) in one collective and divided by the world size, and the result is copied
// back. Few large collectives instead of one per parameter keep the per-call latency of
// Gloo/NCCL out of the step time.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "train/distributed/process_group.hpp"

namespace instill::train::distributed {

class GradientAverager {
 public:
  static constexpr int64_t kDefaultBucketBytes = 25 * 1024 * 1024;  // as torch DDP

  GradientAverager(DataParallelGroup& group, std::vector<torch::Tensor> params,
                   int64_t bucket_bytes = kDefaultBucketBytes);
  // A parameter without a gradient on this rank takes part with zeros, so every rank
  // reduces the same buckets.
  void average();
  size_t num_buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into params_
    int64_t numel = 0;
    torch::ScalarType dtype;
  };
  DataParallelGroup& group_;
  std::vector<torch::Tensor> params_;
  std::vector<Bucket> buckets_;
};

}  // namespace instill::train::distributed
