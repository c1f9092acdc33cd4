#include "train/model/causal_lm.hpp"

#include <set>

namespace instill::train {

std::vector<std::pair<std::string, torch::Tensor>> CausalLM::named_parameters() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  std::set<const void*> seen;  // a tied weight appears under its first name only
  for (const auto& item : module().named_parameters(/*recurse=*/true)) {
    if (!seen.insert(item.value().unsafeGetTensorImpl()).second) continue;
    out.emplace_back(item.key(), item.value());
  }
  return out;
}

void CausalLM::grow_rows_with_mean(torch::Tensor& weight, int64_t new_rows) {
  const int64_t old = weight.size(0);
  if (new_rows <= old) return;
  torch::NoGradGuard no_grad;
  torch::Tensor extra = weight.mean(0, true).expand({new_rows - old, weight.size(1)});
  weight.set_data(torch::cat({weight, extra}, 0));
}

int64_t CausalLM::num_parameters() {
  int64_t n = 0;
  for (const auto& [_, p] : named_parameters()) n += p.numel();
  return n;
}

}  // namespace instill::train
