#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "test_support.hpp"
#include "torch_oracle.hpp"
#include "train/gradient_clipper.hpp"
#include "train/lr_scheduler.hpp"
#include "train/model/gpt2.hpp"
#include "train/tensor_io.hpp"

namespace instill::train {
namespace {

std::shared_ptr<Gpt2CausalLM> tiny_model(int64_t layers = 1, int64_t kv_heads = 2,
                                         bool absolute_positions = false) {
  Gpt2Config c;
  c.vocab_size = 16;
  c.n_embd = 8;
  c.n_head_q = 2;
  c.n_head_kv = kv_heads;
  c.ffn_hidden = 16;
  c.n_layer = layers;
  c.sequence_length = 8;
  if (absolute_positions) c.positions = Gpt2Config::Positions::kAbsolute;
  return std::make_shared<Gpt2CausalLM>(c);
}

std::vector<double> our_lrs(const OneCycleOptions& o, int steps) {
  AdamWOptions ao;
  ao.lr = 1.0;
  auto model = tiny_model();
  auto opt = std::make_shared<AdamW>(*model, ao);
  OneCycleLr s(opt, o, -1);
  s.start();
  std::vector<double> out{s.last_lr()[0]};
  for (int i = 0; i < steps; ++i) {
    s.step();
    out.push_back(s.last_lr()[0]);
  }
  return out;
}

TEST(OneCycleLr, EqualsTorchOneCycleLR) {
  INSTILL_REQUIRE_TORCH_ORACLE();
  struct C {
    OneCycleOptions o;
    std::string py;
  };
  std::vector<C> cases;
  OneCycleOptions spec;  // the reference configs: a tiny pct_start, so phase 1 ends before step 0
  spec.max_lr = 6e-4;
  spec.total_steps = 10;
  spec.pct_start = 0.01;
  spec.div_factor = 10;
  spec.final_div_factor = 1;
  cases.push_back(
      {spec,
       R"({"max_lr": 6e-4, "total_steps": 10, "pct_start": 0.01, "div_factor": 10, "final_div_factor": 1})"});
  OneCycleOptions warm = spec;
  warm.total_steps = 100;
  warm.pct_start = 0.25;
  warm.final_div_factor = 1e4;
  cases.push_back(
      {warm,
       R"({"max_lr": 6e-4, "total_steps": 100, "pct_start": 0.25, "div_factor": 10, "final_div_factor": 1e4})"});
  OneCycleOptions lin = warm;
  lin.cosine = false;
  lin.three_phase = true;
  cases.push_back(
      {lin,
       R"({"max_lr": 6e-4, "total_steps": 100, "pct_start": 0.25, "div_factor": 10, "final_div_factor": 1e4, "anneal_strategy": "linear", "three_phase": true})"});
  for (const auto& c : cases) {
    const int steps = static_cast<int>(c.o.total_steps) - 1;
    auto r = testing::run_torch_reference("onecycle '" + c.py + "' " + std::to_string(steps));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto expected = nlohmann::json::parse(r.out).get<std::vector<double>>();
    auto ours = our_lrs(c.o, steps);
    ASSERT_EQ(ours.size(), expected.size());
    for (size_t i = 0; i < ours.size(); ++i)
      EXPECT_NEAR(ours[i], expected[i], 1e-12 * std::max(1.0, std::abs(expected[i])))
          << c.py << " step " << i;
  }
}

TEST(OneCycleLr, AnEmptyPhaseIsAnErrorNotANaNRate) {
  OneCycleOptions o;
  o.max_lr = 1;
  o.total_steps = 4;
  o.pct_start = 0.25;  // phase 1 would end at step 0, where it starts
  EXPECT_THROW(our_lrs(o, 1), Error);
}

TEST(OneCycleLr, SteppingPastTheTotalIsAnError) {
  OneCycleOptions o;
  o.max_lr = 1;
  o.total_steps = 2;
  EXPECT_THROW(our_lrs(o, 3), Error);
}

TEST(OneCycleLr, AResumedScheduleContinuesExactly) {
  OneCycleOptions o;
  o.max_lr = 1e-3;
  o.total_steps = 20;
  auto full = our_lrs(o, 19);
  AdamWOptions ao;
  auto model = tiny_model();
  auto opt = std::make_shared<AdamW>(*model, ao);
  OneCycleLr resumed(opt, o, /*last_epoch=*/6);  // after 7 scheduler steps
  resumed.start();
  EXPECT_EQ(resumed.last_epoch(), 7);
  EXPECT_DOUBLE_EQ(resumed.last_lr()[0], full[7]);
}

TEST(GradientClipper, EqualsTorchClipGradNorm) {
  INSTILL_REQUIRE_TORCH_ORACLE();
  testing::TempDir tmp;
  torch::manual_seed(3);
  std::map<std::string, torch::Tensor> grads = {{"a", torch::randn({3, 4})},
                                                {"b", torch::randn({5})}};
  save_tensors(tmp / "grads.safetensors", grads);
  for (auto [norm, name] : std::vector<std::pair<GradientClipper::Norm, std::string>>{
           {GradientClipper::Norm::kP1, "1"},
           {GradientClipper::Norm::kP2, "2"},
           {GradientClipper::Norm::kMax, "inf"}}) {
    for (double max_norm : {0.5, 1000.0}) {
      std::vector<torch::Tensor> params;
      for (const auto& [n, g] : grads) {
        auto p = torch::zeros_like(g).requires_grad_(true);
        p.mutable_grad() = g.clone();
        params.push_back(p);
      }
      const double total = GradientClipper(norm, max_norm).clip(params);
      auto r = testing::run_torch_reference("clip " + name + " " + std::to_string(max_norm) + " " +
                                            (tmp / "grads.safetensors").string());
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto j = nlohmann::json::parse(r.out);
      EXPECT_NEAR(total, j["norm"].get<double>(), 1e-5 * j["norm"].get<double>()) << name;
      size_t i = 0;
      for (const auto& [n, _] : grads) {
        auto expected = j["grads"][n].get<std::vector<float>>();
        auto got = params[i++].grad().contiguous().view({-1});
        for (size_t k = 0; k < expected.size(); ++k)
          EXPECT_NEAR(got[static_cast<int64_t>(k)].item<float>(), expected[k], 1e-6)
              << name << " " << n;
      }
    }
  }
}

TEST(AdamW, WeightDecayGroupsFollowTheReferenceNames) {
  auto model_ptr = tiny_model(2, 1, true);
  Gpt2CausalLM& model = *model_ptr;
  AdamWOptions o;
  o.weight_decay = 0.1;
  o.weight_decay_groups_excluded = {"embedding", "layernorm"};
  AdamW opt(model, o);
  ASSERT_EQ(opt.groups().size(), 2u);
  const auto& decayed = opt.groups()[0].names;
  const auto& kept = opt.groups()[1].names;
  auto has = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  EXPECT_TRUE(has(decayed, "transformer.h.0.attn.q_attn.weight"));
  EXPECT_TRUE(has(decayed, "transformer.h.1.mlp.c_fc.bias"));  // biases are decayed too
  EXPECT_TRUE(has(decayed, "transformer.lm_head.weight"));
  EXPECT_TRUE(has(kept, "transformer.wte.weight"));
  EXPECT_TRUE(has(kept, "transformer.wpe.weight"));
  EXPECT_TRUE(has(kept, "transformer.h.0.attention_norm.bias"));
  EXPECT_TRUE(has(kept, "transformer.lm_head_norm.weight"));
  EXPECT_EQ(opt.groups()[1].weight_decay, 0.0);
  EXPECT_EQ(decayed.size() + kept.size(), model.named_parameters().size());
  o.weight_decay_groups_excluded = {"linear", "embedding", "layernorm"};
  EXPECT_THROW(AdamW(model, o), Error);  // the decayed group would be empty
}

}  // namespace
}  // namespace instill::train
