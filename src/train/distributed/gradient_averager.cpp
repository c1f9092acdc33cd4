#include "train/distributed/gradient_averager.hpp"

namespace instill::train::distributed {

GradientAverager::GradientAverager(DataParallelGroup& group, std::vector<torch::Tensor> params,
                                   int64_t bucket_bytes)
    : group_(group), params_(std::move(params)) {
  for (size_t i = 0; i < params_.size(); ++i) {
    const torch::Tensor& p = params_[i];
    const int64_t bytes = p.numel() * p.element_size();
    const bool fits = !buckets_.empty() && buckets_.back().dtype == p.scalar_type() &&
                      (buckets_.back().numel * p.element_size() + bytes <= bucket_bytes);
    if (!fits) buckets_.push_back(Bucket{{}, 0, p.scalar_type()});
    buckets_.back().params.push_back(i);
    buckets_.back().numel += p.numel();
  }
}

void GradientAverager::average() {
  torch::NoGradGuard no_grad;
  const double scale = 1.0 / static_cast<double>(group_.world_size());
  for (const Bucket& bucket : buckets_) {
    const torch::Tensor& first = params_[bucket.params.front()];
    torch::Tensor flat = torch::empty({bucket.numel}, first.options().dtype(bucket.dtype));
    int64_t offset = 0;
    for (size_t i : bucket.params) {
      torch::Tensor& p = params_[i];
      torch::Tensor slot = flat.narrow(0, offset, p.numel());
      if (p.grad().defined())
        slot.copy_(p.grad().reshape(-1));
      else
        slot.zero_();
      offset += p.numel();
    }
    group_.all_reduce_sum(flat, "gradient all-reduce");
    flat.mul_(scale);
    offset = 0;
    for (size_t i : bucket.params) {
      torch::Tensor& p = params_[i];
      torch::Tensor averaged = flat.narrow(0, offset, p.numel()).view(p.sizes());
      if (p.grad().defined())
        p.mutable_grad().copy_(averaged);
      else
        p.mutable_grad() = averaged.clone();
      offset += p.numel();
    }
  }
}

}  // namespace instill::train::distributed
