#pragma once
// Picks the next token from the last position's logits: greedy (temperature 0), or sampling
// with temperature, top-k, top-p (nucleus) and a repetition penalty, from its own seeded
// generator so that a given --seed reproduces a reply exactly.
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace instill::generate {

struct SamplingOptions {
  double temperature = 1.0;  // 0: greedy
  int64_t top_k = 0;         // 0: off
  double top_p = 1.0;        // 1: off
  double repetition_penalty =
      1.0;                       // 1: off (CTRL's rule: divide positive logits, multiply negative)
  std::optional<uint64_t> seed;  // none: nondeterministic
  // Throws naming the bad option.
  void validate() const;
};

class Sampler {
 public:
  explicit Sampler(SamplingOptions options);
  // logits [V] (any float dtype/device); `seen` are the ids the penalty applies to.
  int64_t next(const torch::Tensor& logits, const std::vector<int64_t>& seen);

 private:
  SamplingOptions o_;
  at::Generator gen_;
};

}  // namespace instill::generate
