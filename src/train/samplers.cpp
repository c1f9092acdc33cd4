#include "train/samplers.hpp"

#include <numeric>
#include <random>

#include "core/error.hpp"

namespace instill::train {

std::vector<int64_t> torch_randperm(uint64_t n, uint64_t seed) {
  if (n >= (uint64_t{1} << 32) / 20)
    throw Error("randperm: n = " + std::to_string(n) +
                " is beyond the range where torch's 32-bit algorithm is reproduced");
  std::mt19937 gen(static_cast<uint32_t>(seed & 0xffffffffu));
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), int64_t{0});
  for (uint64_t i = 0; n > 1 && i + 1 < n; ++i) {
    const uint64_t z = gen() % (n - i);
    std::swap(perm[i], perm[i + z]);
  }
  return perm;
}

namespace {
// Samples per replica: with drop_last the tail that does not fill every replica is dropped,
// otherwise the list is padded by repeating from the start (torch's semantics).
int64_t per_replica(int64_t n, int64_t replicas, bool drop_last) {
  if (drop_last && n % replicas != 0) {
    if (n < replicas) return 0;  // ceil((n - R) / R) with -1 < (n - R) / R < 0
    return (n - replicas) / replicas + ((n - replicas) % replicas != 0);
  }
  return (n + replicas - 1) / replicas;
}
std::vector<int64_t> take_rank(const std::vector<int64_t>& order, int64_t local, int64_t rank,
                               int64_t replicas) {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(local, 0)));
  const int64_t total = local * replicas;
  for (int64_t i = rank; i < total; i += replicas) out.push_back(order[static_cast<size_t>(i)]);
  return out;
}
std::vector<int64_t> pad_to(std::vector<int64_t> order, int64_t total) {
  if (order.empty()) return order;
  const size_t base = order.size();
  for (size_t i = 0; static_cast<int64_t>(order.size()) < total; ++i)
    order.push_back(order[i % base]);
  return order;
}
}  // namespace

ResumableDistributedSampler::ResumableDistributedSampler(ResumableDistributedSamplerOptions o)
    : o_(o) {
  if (o_.num_replicas < 1) throw Error("sampler: num_replicas must be >= 1");
  if (o_.rank < 0 || o_.rank >= o_.num_replicas)
    throw Error("sampler: rank " + std::to_string(o_.rank) + " is outside [0, " +
                std::to_string(o_.num_replicas) + ")");
  if (o_.skip_num_global_samples < 0 || o_.skip_num_global_samples > o_.dataset_size)
    throw Error("sampler: skip_num_global_samples = " + std::to_string(o_.skip_num_global_samples) +
                " is outside the dataset (" + std::to_string(o_.dataset_size) + " samples)");
}

std::vector<int64_t> ResumableDistributedSampler::indices() const {
  std::vector<int64_t> order;
  if (o_.shuffle) {
    order = torch_randperm(static_cast<uint64_t>(o_.dataset_size), o_.seed);  // epoch 0
  } else {
    order.resize(static_cast<size_t>(o_.dataset_size));
    std::iota(order.begin(), order.end(), int64_t{0});
  }
  order.erase(order.begin(), order.begin() + o_.skip_num_global_samples);
  const int64_t g = static_cast<int64_t>(order.size());
  const int64_t local = per_replica(g, o_.num_replicas, o_.drop_last);
  if (!o_.drop_last) order = pad_to(std::move(order), local * o_.num_replicas);
  return take_rank(order, local, o_.rank, o_.num_replicas);
}

DistributedSampler::DistributedSampler(int64_t dataset_size, int64_t rank, int64_t num_replicas,
                                       bool shuffle, uint64_t seed, bool drop_last)
    : size_(dataset_size),
      rank_(rank),
      replicas_(num_replicas),
      shuffle_(shuffle),
      seed_(seed),
      drop_last_(drop_last) {
  if (replicas_ < 1 || rank_ < 0 || rank_ >= replicas_)
    throw Error("sampler: rank " + std::to_string(rank) + " is outside [0, " +
                std::to_string(num_replicas) + ")");
}

std::vector<int64_t> DistributedSampler::indices() const {
  std::vector<int64_t> order;
  if (shuffle_) {
    order = torch_randperm(static_cast<uint64_t>(size_), seed_);
  } else {
    order.resize(static_cast<size_t>(size_));
    std::iota(order.begin(), order.end(), int64_t{0});
  }
  const int64_t local = per_replica(size_, replicas_, drop_last_);
  if (!drop_last_) order = pad_to(std::move(order), local * replicas_);
  return take_rank(order, local, rank_, replicas_);
}

std::vector<std::vector<int64_t>> BatchSampler::batches() const {
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> current;
  for (int64_t i : sampler_->indices()) {
    current.push_back(i);
    if (static_cast<int64_t>(current.size()) == batch_size_) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty() && !drop_last_) out.push_back(std::move(current));
  return out;
}

}  // namespace instill::train
