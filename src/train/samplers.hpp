#pragma once
// Index samplers with torch's exact orders (spec §8.5): the resumable distributed sampler
// (train: seeded permutation, skip the samples already seen, split by rank), torch's
// DistributedSampler (eval) and the batch sampler that groups indices into micro-batches.
#include <cstdint>
#include <memory>
#include <vector>

#include "config/component.hpp"

namespace instill::train {

// torch.randperm(n, generator=torch.Generator().manual_seed(seed)) on CPU, for n < 2^32/20:
// MT19937 seeded with init_genrand, then a forward Fisher-Yates with next32() % (n - i).
std::vector<int64_t> torch_randperm(uint64_t n, uint64_t seed);

class Sampler : public config::Component {
 public:
  virtual std::vector<int64_t> indices() const = 0;
};

struct ResumableDistributedSamplerOptions {
  int64_t dataset_size = 0;
  int64_t rank = 0, num_replicas = 1;
  bool shuffle = false;
  uint64_t seed = 0;
  bool drop_last = true;
  int64_t skip_num_global_samples = 0;
};

class ResumableDistributedSampler : public Sampler {
 public:
  explicit ResumableDistributedSampler(ResumableDistributedSamplerOptions o);
  std::vector<int64_t> indices() const override;

 private:
  ResumableDistributedSamplerOptions o_;
};

class DistributedSampler : public Sampler {
 public:
  DistributedSampler(int64_t dataset_size, int64_t rank, int64_t num_replicas, bool shuffle,
                     uint64_t seed, bool drop_last);
  std::vector<int64_t> indices() const override;

 private:
  int64_t size_, rank_, replicas_;
  bool shuffle_;
  uint64_t seed_;
  bool drop_last_;
};

class BatchSampler : public config::Component {
 public:
  BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last)
      : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {}
  std::vector<std::vector<int64_t>> batches() const;
  int64_t batch_size() const { return batch_size_; }

 private:
  std::shared_ptr<Sampler> sampler_;
  int64_t batch_size_;
  bool drop_last_;
};

}  // namespace instill::train
