#include "train/model/kv_cache.hpp"

namespace instill::train {

using torch::indexing::Slice;

std::pair<torch::Tensor, torch::Tensor> KvCache::append(size_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v) {
  if (keys_.size() <= layer) {
    keys_.resize(layer + 1);
    values_.resize(layer + 1);
  }
  const int64_t need = length_ + k.size(2);
  torch::Tensor& K = keys_[layer];
  torch::Tensor& V = values_[layer];
  if (!K.defined() || K.size(2) < need) {
    const int64_t capacity = std::max<int64_t>(need, K.defined() ? 2 * K.size(2) : 64);
    torch::Tensor k_new = torch::empty({k.size(0), k.size(1), capacity, k.size(3)}, k.options());
    torch::Tensor v_new = torch::empty({v.size(0), v.size(1), capacity, v.size(3)}, v.options());
    if (K.defined() && length_ > 0) {
      k_new.index_put_({Slice(), Slice(), Slice(0, length_)},
                       K.index({Slice(), Slice(), Slice(0, length_)}));
      v_new.index_put_({Slice(), Slice(), Slice(0, length_)},
                       V.index({Slice(), Slice(), Slice(0, length_)}));
    }
    K = k_new;
    V = v_new;
  }
  K.index_put_({Slice(), Slice(), Slice(length_, need)}, k);
  V.index_put_({Slice(), Slice(), Slice(length_, need)}, v);
  return {K.index({Slice(), Slice(), Slice(0, need)}), V.index({Slice(), Slice(), Slice(0, need)})};
}

}  // namespace instill::train
