#include "generate/generator.hpp"

#include <algorithm>
#include <chrono>

#include "core/error.hpp"

namespace instill::generate {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

Generator::Generator(train::CausalLM& model, torch::Device device)
    : model_(model), device_(device) {
  model_.module().eval();
}

torch::Tensor Generator::run_cached(const std::vector<int64_t>& ids) {
  // Reuse the longest common prefix of what the cache holds.
  size_t common = 0;
  while (common < ids.size() && common < cached_ids_.size() && ids[common] == cached_ids_[common])
    ++common;
  if (common == ids.size()) --common;  // at least one position must run to get logits
  cache_.truncate(static_cast<int64_t>(common));
  cached_ids_.resize(common);
  std::vector<int64_t> fresh(ids.begin() + static_cast<std::ptrdiff_t>(common), ids.end());
  torch::Tensor input = torch::tensor(fresh, torch::kInt64).unsqueeze(0).to(device_);
  torch::Tensor h = model_.hidden_states_cached(input, cache_);
  cached_ids_.insert(cached_ids_.end(), fresh.begin(), fresh.end());
  return last_logits(h);
}

torch::Tensor Generator::run_uncached(const std::vector<int64_t>& ids) {
  torch::Tensor input = torch::tensor(ids, torch::kInt64).unsqueeze(0).to(device_);
  torch::Tensor h = model_.hidden_states(input);
  return last_logits(h);
}

torch::Tensor Generator::last_logits(const torch::Tensor& hidden) {
  return torch::matmul(hidden.select(1, hidden.size(1) - 1), model_.lm_head_weight().t())
      .squeeze(0);
}

torch::Tensor Generator::next_logits(const std::vector<int64_t>& prompt) {
  torch::NoGradGuard no_grad;
  return run_cached(prompt).to(torch::kCPU, torch::kFloat32);
}

GenerateResult Generator::generate(const std::vector<int64_t>& prompt,
                                   const GenerateOptions& options, Sampler& sampler,
                                   const std::function<bool(int64_t)>& on_token) {
  if (prompt.empty()) throw Error("cannot generate from an empty prompt");
  const int64_t limit = model_.max_sequence_length();
  if (limit > 0 && static_cast<int64_t>(prompt.size()) >= limit)
    throw Error("the prompt has " + std::to_string(prompt.size()) +
                " tokens, but the model's sequence length is " + std::to_string(limit));
  torch::NoGradGuard no_grad;
  GenerateResult result;
  std::vector<int64_t> seq = prompt;
  const auto t0 = std::chrono::steady_clock::now();
  auto t_first = t0;
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    if (limit > 0 && static_cast<int64_t>(seq.size()) >= limit) break;
    torch::Tensor logits;
    if (!options.use_cache) {
      logits = run_uncached(seq);
    } else if (step == 0) {
      logits = run_cached(seq);
    } else {
      // Only the newest token runs; the cache holds everything before it.
      torch::Tensor input = torch::tensor({seq.back()}, torch::kInt64).view({1, 1}).to(device_);
      torch::Tensor h = model_.hidden_states_cached(input, cache_);
      cached_ids_.push_back(seq.back());
      logits = last_logits(h);
    }
    const int64_t id = sampler.next(logits, seq);
    if (step == 0) {
      t_first = std::chrono::steady_clock::now();
      result.prefill_seconds = seconds_since(t0);
    }
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), id) != options.stop_ids.end()) {
      result.stop_id = id;
      break;
    }
    result.tokens.push_back(id);
    seq.push_back(id);
    if (on_token && !on_token(id)) break;
  }
  if (!result.tokens.empty() || result.stop_id >= 0) result.decode_seconds = seconds_since(t_first);
  return result;
}

}  // namespace instill::generate
