#include "train/distributed/optimizer_sharding.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"

namespace instill::train::distributed {

OptimizerSharding::OptimizerSharding(DataParallelGroup& group,
                                     std::vector<std::pair<std::string, torch::Tensor>> named)
    : group_(group),
      params_(std::move(named)),
      owned_(static_cast<size_t>(group.world_size())),
      owned_numel_(static_cast<size_t>(group.world_size()), 0) {
  std::vector<size_t> order(params_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return params_[a].second.numel() > params_[b].second.numel();
  });
  for (size_t i : order) {
    const auto least = std::min_element(owned_numel_.begin(), owned_numel_.end());
    const int rank = static_cast<int>(least - owned_numel_.begin());
    *least += params_[i].second.numel();
    owner_[params_[i].first] = rank;
  }
  // Keep each rank's parameters in model order, so flat buffers are laid out identically.
  for (size_t i = 0; i < params_.size(); ++i)
    owned_[static_cast<size_t>(owner_.at(params_[i].first))].push_back(i);
}

int OptimizerSharding::owner(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end())
    throw Error("optimizer sharding: \"" + name + "\" is not a trainable parameter");
  return it->second;
}

void OptimizerSharding::drop_foreign_gradients() {
  for (auto& [name, p] : params_)
    if (!owns(name)) p.mutable_grad() = torch::Tensor();
}

void OptimizerSharding::broadcast_flat(const std::vector<size_t>& indices, int root,
                                       const std::string& what) {
  torch::NoGradGuard no_grad;
  // One buffer per dtype (master parameters are normally all one dtype).
  std::map<torch::ScalarType, std::vector<size_t>> by_dtype;
  for (size_t i : indices) by_dtype[params_[i].second.scalar_type()].push_back(i);
  for (const auto& [dtype, members] : by_dtype) {
    std::vector<torch::Tensor> flat_parts;
    for (size_t i : members) flat_parts.push_back(params_[i].second.reshape(-1));
    torch::Tensor flat = torch::cat(flat_parts);
    group_.broadcast(flat, root, what);
    if (group_.rank() == root) continue;
    int64_t offset = 0;
    for (size_t i : members) {
      torch::Tensor& p = params_[i].second;
      p.copy_(flat.narrow(0, offset, p.numel()).view(p.sizes()));
      offset += p.numel();
    }
  }
}

void OptimizerSharding::share_updated_parameters() {
  for (int rank = 0; rank < group_.world_size(); ++rank)
    if (!owned_[static_cast<size_t>(rank)].empty())
      broadcast_flat(owned_[static_cast<size_t>(rank)], rank,
                     "parameter broadcast from rank " + std::to_string(rank));
}

void OptimizerSharding::broadcast_from_rank0() {
  std::vector<size_t> all(params_.size());
  std::iota(all.begin(), all.end(), 0);
  broadcast_flat(all, 0, "initial parameter broadcast");
}

}  // namespace instill::train::distributed
