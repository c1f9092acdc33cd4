// The sampler: greedy is argmax, top-k / top-p restrict the candidates, the repetition
// penalty follows CTRL's rule, sampling follows softmax(logits / T), and a seed reproduces.
#include "generate/sampler.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/error.hpp"

namespace instill::generate {
namespace {

SamplingOptions opts(double temperature, int64_t top_k = 0, double top_p = 1.0,
                     double penalty = 1.0, uint64_t seed = 1) {
  SamplingOptions o;
  o.temperature = temperature;
  o.top_k = top_k;
  o.top_p = top_p;
  o.repetition_penalty = penalty;
  o.seed = seed;
  return o;
}

const torch::Tensor kLogits = torch::tensor({0.5f, 2.0f, 1.9f, -1.0f, 0.0f});

TEST(Sampler, GreedyIsArgmax) {
  Sampler s(opts(0));
  EXPECT_EQ(s.next(kLogits, {}), 1);
}

TEST(Sampler, TopKOneAndTinyTopPAreGreedy) {
  Sampler k(opts(1.0, 1)), p(opts(1.0, 0, 1e-6));
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(k.next(kLogits, {}), 1);
    EXPECT_EQ(p.next(kLogits, {}), 1);
  }
}

TEST(Sampler, TopKTwoOnlyDrawsTheTwoBest) {
  Sampler s(opts(1.0, 2));
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(s.next(kLogits, {}));
  EXPECT_EQ(seen, (std::set<int64_t>{1, 2}));
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // softmax: p1 ~ 0.43, p2 ~ 0.39, p0 ~ 0.10: top_p 0.8 keeps {1, 2}, 0.85 adds 0.
  Sampler a(opts(1.0, 0, 0.8)), b(opts(1.0, 0, 0.85));
  std::set<int64_t> sa, sb;
  for (int i = 0; i < 400; ++i) {
    sa.insert(a.next(kLogits, {}));
    sb.insert(b.next(kLogits, {}));
  }
  EXPECT_EQ(sa, (std::set<int64_t>{1, 2}));
  EXPECT_EQ(sb, (std::set<int64_t>{0, 1, 2}));
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  Sampler s(opts(0, 0, 1.0, 2.0));
  EXPECT_EQ(s.next(kLogits, {1}), 2);  // 2.0 / 2 = 1.0 < 1.9
  // A negative logit seen before gets more negative: 4 (0.0) stays ahead of 3 (-1 -> -2).
  EXPECT_EQ(s.next(torch::tensor({-1.0f, -0.5f}), {1}), 0);  // -0.5 * 2 = -1.0 ties -> first
  EXPECT_EQ(s.next(torch::tensor({-1.0f, -0.4f}), {1}), 1);  // -0.8 > -1
}

TEST(Sampler, FrequenciesFollowTheTemperedSoftmax) {
  Sampler s(opts(0.7, 0, 1.0, 1.0, 42));
  const int n = 4000;
  std::vector<int> count(5);
  for (int i = 0; i < n; ++i) ++count[static_cast<size_t>(s.next(kLogits, {}))];
  torch::Tensor p = torch::softmax(kLogits / 0.7, 0);
  for (int64_t i = 0; i < 5; ++i)
    EXPECT_NEAR(count[static_cast<size_t>(i)] / double(n), p[i].item<double>(), 0.03) << i;
}

TEST(Sampler, SameSeedSameDraws) {
  Sampler a(opts(1.0, 0, 1.0, 1.0, 9)), b(opts(1.0, 0, 1.0, 1.0, 9));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(kLogits, {}), b.next(kLogits, {}));
}

TEST(Sampler, BadOptionsAreErrors) {
  EXPECT_THROW(Sampler(opts(-1)), Error);
  EXPECT_THROW(Sampler(opts(1, -1)), Error);
  EXPECT_THROW(Sampler(opts(1, 0, 0.0)), Error);
  EXPECT_THROW(Sampler(opts(1, 0, 1.0, 0.0)), Error);
}

}  // namespace
}  // namespace instill::generate
