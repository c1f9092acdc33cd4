#pragma once
// Autoregressive generation with a KV cache. The cache outlives one call: a new prompt that
// extends the previous conversation (the usual chat turn) only runs the positions that
// changed, so time to reply does not grow with the history.
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "generate/sampler.hpp"
#include "train/model/causal_lm.hpp"

namespace instill::generate {

struct GenerateOptions {
  int64_t max_new_tokens = 256;
  std::vector<int64_t> stop_ids;  // generation ends after producing one of these
  bool use_cache = true;          // false: re-run the whole sequence for every token
};

struct GenerateResult {
  std::vector<int64_t> tokens;  // generated ids, the stop id excluded
  int64_t stop_id = -1;         // the stop id that ended generation, or -1
  double prefill_seconds = 0;   // until the first new token was chosen
  double decode_seconds = 0;    // the rest
};

class Generator {
 public:
  Generator(train::CausalLM& model, torch::Device device);
  // Calls on_token for every generated id (stop id excluded) as soon as it is chosen; it
  // returns false to stop early.
  GenerateResult generate(const std::vector<int64_t>& prompt, const GenerateOptions& options,
                          Sampler& sampler, const std::function<bool(int64_t)>& on_token = nullptr);
  // Logits [V] (float32, CPU) of the position after `prompt`, through the cache.
  torch::Tensor next_logits(const std::vector<int64_t>& prompt);

 private:
  torch::Tensor run_cached(const std::vector<int64_t>& ids);
  torch::Tensor run_uncached(const std::vector<int64_t>& ids);
  // Logits [V] of the last position of hidden states [1, L, E].
  torch::Tensor last_logits(const torch::Tensor& hidden);

  train::CausalLM& model_;
  torch::Device device_;
  train::KvCache cache_;
  std::vector<int64_t> cached_ids_;  // the ids whose keys and values the cache holds
};

}  // namespace instill::generate
