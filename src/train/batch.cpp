#include "train/batch.hpp"

#include "core/error.hpp"

namespace instill::train {

namespace {
const torch::Tensor& lookup(const std::map<std::string, torch::Tensor>& m, const std::string& key,
                            const char* what) {
  auto it = m.find(key);
  if (it == m.end()) {
    std::string have;
    for (const auto& [k, _] : m) have += (have.empty() ? "" : ", ") + k;
    throw Error(std::string("batch has no ") + what + " named \"" + key + "\" (it has: " + have +
                "); check the sample_key/target_key settings");
  }
  return it->second;
}
}  // namespace

const torch::Tensor& Batch::sample(const std::string& key) const {
  return lookup(samples, key, "samples");
}
const torch::Tensor& Batch::target(const std::string& key) const {
  return lookup(targets, key, "targets");
}

Batch Batch::to(const torch::Device& device) const {
  Batch out = *this;
  for (auto& [_, t] : out.samples) t = t.to(device, /*non_blocking=*/true);
  for (auto& [_, t] : out.targets) t = t.to(device, /*non_blocking=*/true);
  return out;
}

}  // namespace instill::train
