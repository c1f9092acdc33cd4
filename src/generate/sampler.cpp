#include "generate/sampler.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <random>
#include <set>

#include "core/error.hpp"

namespace instill::generate {

void SamplingOptions::validate() const {
  if (temperature < 0) throw Error("--temperature must be >= 0", ErrorKind::kUsage);
  if (top_k < 0) throw Error("--top_k must be >= 0", ErrorKind::kUsage);
  if (!(top_p > 0 && top_p <= 1)) throw Error("--top_p must be in (0, 1]", ErrorKind::kUsage);
  if (repetition_penalty <= 0) throw Error("--repetition_penalty must be > 0", ErrorKind::kUsage);
}

Sampler::Sampler(SamplingOptions options)
    : o_(options),
      gen_(at::make_generator<at::CPUGeneratorImpl>(options.seed ? *options.seed
                                                                 : std::random_device{}())) {
  o_.validate();
}

int64_t Sampler::next(const torch::Tensor& logits_in, const std::vector<int64_t>& seen) {
  torch::NoGradGuard no_grad;
  torch::Tensor logits = logits_in.detach().to(torch::kCPU, torch::kFloat32).clone();
  if (o_.repetition_penalty != 1.0 && !seen.empty()) {
    const std::set<int64_t> distinct(seen.begin(), seen.end());
    torch::Tensor ids =
        torch::tensor(std::vector<int64_t>(distinct.begin(), distinct.end()), torch::kInt64);
    torch::Tensor picked = logits.index_select(0, ids);
    picked =
        torch::where(picked > 0, picked / o_.repetition_penalty, picked * o_.repetition_penalty);
    logits.index_copy_(0, ids, picked);
  }
  if (o_.temperature == 0) return logits.argmax().item<int64_t>();
  logits = logits / o_.temperature;
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (o_.top_k > 0 && o_.top_k < logits.size(0)) {
    const double kth = std::get<0>(logits.topk(o_.top_k)).min().item<double>();
    logits = logits.masked_fill(logits < kth, neg_inf);
  }
  if (o_.top_p < 1.0) {
    // Keep the smallest set of most likely tokens whose probability reaches top_p.
    auto [sorted, order] = logits.sort(/*dim=*/0, /*descending=*/true);
    torch::Tensor cumulative = torch::softmax(sorted, 0).cumsum(0);
    torch::Tensor drop = (cumulative - torch::softmax(sorted, 0)) >= o_.top_p;
    logits = logits.index_fill(0, order.masked_select(drop), neg_inf);
  }
  torch::Tensor probs = torch::softmax(logits, 0);
  return torch::multinomial(probs, 1, /*replacement=*/false, gen_).item<int64_t>();
}

}  // namespace instill::generate
