// instill's model, masked loss, AdamW groups, OneCycle schedule, clipping and gradient
// accumulation against an independent PyTorch implementation (tests/train/torch_reference.py):
// the same initial weights and batches must give the same loss at every step and the same
// final weights (fp32, relative error <= 1e-5).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "torch_oracle.hpp"
#include "train/collators.hpp"
#include "train/gradient_clipper.hpp"
#include "train/loss.hpp"
#include "train/lr_scheduler.hpp"
#include "train/model/gpt2.hpp"
#include "train/model/initialization.hpp"
#include "train/tensor_io.hpp"

namespace instill::train {
namespace {

struct ParityCase {
  std::string name;
  Gpt2Config model;
  std::vector<std::string> excluded;
  int64_t chunk_rows;
};

nlohmann::json model_json(const Gpt2Config& c) {
  return {
      {"vocab_size", c.vocab_size},
      {"n_embd", c.n_embd},
      {"n_layer", c.n_layer},
      {"n_head_q", c.n_head_q},
      {"n_head_kv", c.n_head_kv},
      {"ffn_hidden", c.ffn_hidden},
      {"sequence_length", c.sequence_length},
      {"bias", c.bias},
      {"rope", c.rope},
      {"rope_base", c.rope_base},
      {"activation", c.activation == Gpt2Config::Activation::kSwiglu ? "swiglu" : "gelu"},
      {"absolute_positions", c.positions == Gpt2Config::Positions::kAbsolute},
      {"tying", c.use_weight_tying},
      {"norm",
       {{"type", c.attention_norm.type == NormConfig::Type::kLayerNorm ? "layer_norm" : "rms_norm"},
        {"eps", c.attention_norm.eps},
        {"bias", c.attention_norm.bias}}}};
}

// Micro-batches of [2, L+1] tokens with loss markers 1 (begin) and 2 (end): row spans of
// assistant text, one row without any, and one micro-batch with no trainable token at all.
std::vector<Batch> make_batches(const Gpt2Config& c, int n) {
  torch::manual_seed(99);
  Gpt2LlmCollator inner("input_ids", "target_ids");
  MaskLossCollatorWrapper collator(std::make_shared<Gpt2LlmCollator>(inner), {"target_ids"}, 1, 2,
                                   -100);
  std::vector<Batch> out;
  const int64_t len = c.sequence_length + 1;
  for (int i = 0; i < n; ++i) {
    torch::Tensor t = torch::randint(3, c.vocab_size, {2, len}, torch::kInt64);
    if (i != 5) {
      t[0][2] = 1, t[0][9] = 2, t[0][11] = 1, t[0][15] = 2;
      if (i % 2 == 0) t[1][4] = 1, t[1][len - 3] = 2;
    }
    out.push_back(collator.collate(t, {2 * i, 2 * i + 1}, {}));
  }
  return out;
}

double rel(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).norm().item<double>() / std::max(b.norm().item<double>(), 1e-30);
}

void run_parity(const ParityCase& pc) {
  INSTILL_REQUIRE_TORCH_ORACLE();
  testing::TempDir job;
  const int gas = 2, steps = 4;
  Gpt2CausalLM model(pc.model);
  InitConfig ic;
  ic.type = InitConfig::Type::kScaled;
  ic.num_layers = pc.model.n_layer;
  initialize_gpt2_weights(model, ic);
  std::map<std::string, torch::Tensor> init;
  for (auto& [n, p] : model.named_parameters()) init[n] = p.detach().clone();
  save_tensors(job / "init.safetensors", init);

  auto batches = make_batches(pc.model, gas * steps);
  std::map<std::string, torch::Tensor> bt;
  for (size_t i = 0; i < batches.size(); ++i) {
    bt["input_ids." + std::to_string(i)] = batches[i].sample("input_ids");
    bt["targets." + std::to_string(i)] = batches[i].target("target_ids");
  }
  save_tensors(job / "batches.safetensors", bt);

  AdamWOptions ao;
  ao.lr = 1e-3;
  ao.beta1 = 0.9;
  ao.beta2 = 0.95;
  ao.eps = 1e-8;
  ao.weight_decay = 0.1;
  ao.weight_decay_groups_excluded = pc.excluded;
  auto opt = std::make_shared<AdamW>(model, ao);
  OneCycleOptions so;
  so.max_lr = 1e-3;  // the reference configs use 6e-4
  so.total_steps = steps;
  so.pct_start = 0.5;
  so.div_factor = 10;
  so.final_div_factor = 10;
  OneCycleLr sched(opt, so, -1);
  sched.start();
  GradientClipper clipper(GradientClipper::Norm::kP2, 1.0);
  ClmLossOptions lo;
  lo.chunk_rows = pc.chunk_rows;
  ClmCrossEntropyLoss loss_fn(lo);
  std::vector<torch::Tensor> params;
  for (auto& [_, p] : model.named_parameters()) params.push_back(p);

  std::vector<double> losses, norms, acc;
  for (size_t i = 0; i < batches.size(); ++i) {
    auto hidden = model.hidden_states(batches[i].sample("input_ids"));
    auto loss = loss_fn(hidden, model.lm_head_weight(), batches[i].target("target_ids"));
    (loss / static_cast<double>(gas)).backward();
    acc.push_back(loss.item<double>());
    if ((i + 1) % gas == 0) {
      norms.push_back(clipper.clip(params));
      opt->step();
      sched.step();
      opt->zero_grad();
      double s = 0;
      for (double x : acc) s += x;
      losses.push_back(s / static_cast<double>(acc.size()));
      acc.clear();
    }
  }

  nlohmann::json cfg = {{"model", model_json(pc.model)},
                        {"optimizer",
                         {{"lr", ao.lr},
                          {"betas", {ao.beta1, ao.beta2}},
                          {"eps", ao.eps},
                          {"weight_decay", ao.weight_decay},
                          {"excluded", pc.excluded}}},
                        {"scheduler",
                         {{"max_lr", so.max_lr},
                          {"total_steps", so.total_steps},
                          {"pct_start", so.pct_start},
                          {"div_factor", so.div_factor},
                          {"final_div_factor", so.final_div_factor}}},
                        {"gradient_accumulation_steps", gas},
                        {"max_norm", 1.0}};
  testing::spit(job / "config.json", cfg.dump());
  auto r = testing::run_torch_reference("train " + job.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ref = nlohmann::json::parse(testing::slurp(job / "losses.json"));
  auto ref_losses = ref["losses"].get<std::vector<double>>();
  auto ref_norms = ref["grad_norms"].get<std::vector<double>>();
  ASSERT_EQ(ref_losses.size(), losses.size());
  for (size_t i = 0; i < losses.size(); ++i) {
    EXPECT_LE(std::abs(losses[i] - ref_losses[i]), 1e-5 * std::abs(ref_losses[i]))
        << pc.name << " step " << i;
    EXPECT_LE(std::abs(norms[i] - ref_norms[i]), 1e-5 * std::abs(ref_norms[i]))
        << pc.name << " step " << i;
  }
  auto final_ref = load_tensors(job / "final.safetensors");
  for (auto& [n, p] : model.named_parameters()) {
    ASSERT_TRUE(final_ref.count(n)) << n;
    if (n.find("k_attn.bias") != std::string::npos) {
      // The key bias adds the same q.b to every score of a query, which softmax ignores: its
      // true gradient is 0, so both sides only see rounding noise, which Adam normalises into
      // steps of size ~lr. Only the bound on such steps can be compared.
      EXPECT_LE((p.detach() - final_ref.at(n)).abs().max().item<double>(), 2 * so.max_lr * steps)
          << n;
      continue;
    }
    EXPECT_LE(rel(p.detach(), final_ref.at(n)), 1e-5) << pc.name << " " << n;
    EXPECT_GT(rel(p.detach(), init.at(n)), 1e-5) << pc.name << " " << n << " did not train";
  }
}

Gpt2Config base() {
  Gpt2Config c;
  c.vocab_size = 64;
  c.n_embd = 32;
  c.n_layer = 2;
  c.n_head_q = 4;
  c.n_head_kv = 2;
  c.ffn_hidden = 64;
  c.sequence_length = 16;
  c.seed = 1234;  // deterministic initial weights (libtorch seeds its generator randomly)
  return c;
}

TEST(TorchParity, SwigluRopeGqaLayerNormManualAttentionChunkedLoss) {
  Gpt2Config c = base();
  c.activation = Gpt2Config::Activation::kSwiglu;
  c.rope = true;
  c.rope_head_dim = c.head_dim();
  run_parity({"swiglu-rope", c, {"embedding", "layernorm"}, 5});
}

TEST(TorchParity, GeluAbsolutePositionsRmsNormFusedAttentionTiedWeights) {
  Gpt2Config c = base();
  c.activation = Gpt2Config::Activation::kGelu;
  c.positions = Gpt2Config::Positions::kAbsolute;
  c.attention = Gpt2Config::Attention::kSdpa;
  c.use_weight_tying = true;
  c.bias = false;
  c.n_head_kv = 4;
  NormConfig rms;
  rms.type = NormConfig::Type::kRmsNorm;
  rms.bias = false;
  rms.eps = 1e-6;
  c.attention_norm = c.ffn_norm = c.lm_head_norm = rms;
  run_parity({"gelu-abs-tied", c, {}, 0});
}

}  // namespace
}  // namespace instill::train
