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

int64_t CausalLM::num_parameters() {
  int64_t n = 0;
  for (const auto& [_, p] : named_parameters()) n += p.numel();
  return n;
}

}  // namespace instill::train
