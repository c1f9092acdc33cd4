#include "train/loss.hpp"

#include <gtest/gtest.h>

namespace instill::train {
namespace {

struct Case {
  torch::Tensor hidden, weight, targets;
};

Case make_case(int64_t rows, int64_t e, int64_t v, double ignore_share, uint64_t seed) {
  torch::manual_seed(seed);
  Case c;
  c.hidden =
      torch::randn({2, rows / 2, e}, torch::kFloat64).to(torch::kFloat32).requires_grad_(true);
  c.weight = torch::randn({v, e}).mul_(0.3).requires_grad_(true);
  c.targets = torch::randint(v, {2, rows / 2}, torch::kInt64);
  c.targets.masked_fill_(torch::rand({2, rows / 2}) < ignore_share, -100);
  return c;
}

// The reference: full logits and torch's cross_entropy.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> naive(const Case& c) {
  auto h = c.hidden.detach().clone().requires_grad_(true);
  auto w = c.weight.detach().clone().requires_grad_(true);
  auto logits = torch::matmul(h, w.t()).view({-1, w.size(0)});
  auto loss = torch::nn::functional::cross_entropy(
      logits, c.targets.view({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
  loss.backward();
  return {loss.detach(), h.grad(), w.grad()};
}

TEST(ClmCrossEntropyLoss, ChunkedEqualsFullLogitsInValueAndGradients) {
  for (int64_t chunk : {1, 3, 7, 64, 0}) {
    Case c = make_case(24, 16, 50, 0.3, 7);
    auto [loss_ref, gh_ref, gw_ref] = naive(c);
    ClmLossOptions o;
    o.chunk_rows = chunk;
    auto loss = ClmCrossEntropyLoss(o)(c.hidden, c.weight, c.targets);
    (loss * 2.5).backward();  // a scaled upstream gradient must flow through
    EXPECT_NEAR(loss.item<double>(), loss_ref.item<double>(), 1e-5) << "chunk " << chunk;
    EXPECT_TRUE(torch::allclose(c.hidden.grad(), gh_ref * 2.5, 1e-5, 1e-6)) << "chunk " << chunk;
    EXPECT_TRUE(torch::allclose(c.weight.grad(), gw_ref * 2.5, 1e-5, 1e-6)) << "chunk " << chunk;
  }
}

TEST(ClmCrossEntropyLoss, NoTrainableTokenGivesZeroNotNaN) {
  Case c = make_case(8, 4, 10, 1.1, 1);
  for (int64_t chunk : {0, -1}) {
    ClmLossOptions o;
    o.chunk_rows = chunk;
    auto h = c.hidden.detach().clone().requires_grad_(true);
    auto w = c.weight.detach().clone().requires_grad_(true);
    auto loss = ClmCrossEntropyLoss(o)(h, w, c.targets);
    EXPECT_EQ(loss.item<double>(), 0.0);
    loss.backward();
    EXPECT_EQ(h.grad().abs().sum().item<double>(), 0.0);
    EXPECT_EQ(w.grad().abs().sum().item<double>(), 0.0);
  }
}

TEST(ClmCrossEntropyLoss, NoGradientFlowsFromMaskedPositions) {
  Case c = make_case(12, 8, 20, 0.5, 3);
  auto loss = ClmCrossEntropyLoss({})(c.hidden, c.weight, c.targets);
  loss.backward();
  auto masked = (c.targets == -100).unsqueeze(-1).expand_as(c.hidden);
  ASSERT_GT(masked.sum().item<int64_t>(), 0);
  EXPECT_EQ(c.hidden.grad().masked_select(masked).abs().sum().item<double>(), 0.0);
  EXPECT_GT(c.hidden.grad().masked_select(masked.logical_not()).abs().sum().item<double>(), 0.0);
}

TEST(ClmCrossEntropyLoss, EvaluationWithoutGradHasTheSameValue) {
  Case c = make_case(10, 8, 30, 0.2, 5);
  auto with = ClmCrossEntropyLoss({})(c.hidden, c.weight, c.targets).item<double>();
  torch::NoGradGuard no_grad;
  auto without = ClmCrossEntropyLoss({})(c.hidden, c.weight, c.targets).item<double>();
  EXPECT_DOUBLE_EQ(with, without);
}

}  // namespace
}  // namespace instill::train
