#pragma once
// Keys and values of the positions a model has already seen, one pair per layer, so that
// generating a token costs one position's work instead of re-running the whole sequence.
#include <torch/torch.h>

#include <utility>
#include <vector>

namespace instill::train {

class KvCache {
 public:
  // Positions held so far (the next token's position).
  int64_t length() const { return length_; }
  // Stores k, v [B, H_kv, L, D] of `layer` at positions length() .. length()+L-1 and returns
  // all keys and values so far [B, H_kv, length()+L, D]. Storage grows by doubling.
  std::pair<torch::Tensor, torch::Tensor> append(size_t layer, const torch::Tensor& k,
                                                 const torch::Tensor& v);
  // Called by the model once every layer has appended L positions.
  void advance(int64_t n) { length_ += n; }
  void clear() {
    keys_.clear();
    values_.clear();
    length_ = 0;
  }
  // Forgets positions from `length` on (e.g. to re-run a changed suffix).
  void truncate(int64_t length) { length_ = std::min(length_, length); }

 private:
  std::vector<torch::Tensor> keys_, values_;
  int64_t length_ = 0;
};

}  // namespace instill::train
