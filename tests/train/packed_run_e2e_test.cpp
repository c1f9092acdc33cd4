// Packed SFT end to end on the tutorial's data: prepare the demo conversations (padded, as
// the reference writes them), train the packed tutorial config, resume it bit for bit, and
// score the result with `instill evaluate` packed and one document at a time (the same loss).
// Bad input: a document longer than a row, a row longer than the model, a file without an
// index: each a clear error and exit 1.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "free_port.hpp"
#include "metrics_jsonl.hpp"
#include "test_support.hpp"
#include "tutorial_data.hpp"

namespace instill::testing {
namespace {

nlohmann::json evaluate(const std::string& args) {
  auto r = instill_at_source("", "evaluate " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(PackedRunE2E, TrainsResumesExactlyAndEvaluatesAlikePackedOrNot) {
  INSTILL_REQUIRE_GPT2(gpt2);
  (void)gpt2;
  TempDir tmp;
  const auto pbins = prepare_tutorial_data(tmp);
  ASSERT_FALSE(pbins.first.empty());
  const std::string config = (kTutorialConfigs / "train_config_packed.yaml").string();
  const std::string common = "run --config_file_path '" + config + "' --experiments_root_path '" +
                             tmp.path().string() + "' --device cpu --threads 2";
  auto a = instill_at_source(train_env(pbins), common + " --experiment_id a");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("documents packed (best fit decreasing) into"), std::string::npos) << a.out;
  const auto train = metrics(tmp / "a/metrics.jsonl", "train");
  ASSERT_FALSE(train.empty());
  EXPECT_GT(train.back()["train trainable tokens/s"].get<double>(), 0);
  EXPECT_TRUE(train.back().contains("train padding share"));
  EXPECT_LT(train.back()["train loss avg"].get<double>(),
            0.8 * train[0]["train loss avg"].get<double>());
  const auto test = metrics(tmp / "a/metrics.jsonl", "test");
  ASSERT_FALSE(test.empty());
  const auto plan = metrics(tmp / "a/metrics.jsonl", "data");
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0]["train dropped documents"], 0);
  EXPECT_LT(plan[0]["train packed rows"].get<int64_t>(), plan[0]["train documents"].get<int64_t>());

  // Resumed from step 5: the same last losses and the same weights at step 10, bit for bit.
  const fs::path last = checkpoint_at(tmp / "a/checkpoints", 10);
  ASSERT_FALSE(last.empty());
  auto b = instill_at_source(train_env(pbins),
                             common + " --experiment_id b --resume_from '" +
                                 checkpoint_at(tmp / "a/checkpoints", 5).string() + "'");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(metrics(tmp / "b/metrics.jsonl", "train").back()["train loss last"],
            train.back()["train loss last"]);
  EXPECT_EQ(slurp(checkpoint_at(tmp / "b/checkpoints", 10) / "model.safetensors"),
            slurp(last / "model.safetensors"));

  // The loss over the test file's trainable tokens: packed rows or one document at a time,
  // and the run's own token-mean evaluation of the same checkpoint.
  const std::string data =
      " --model '" + last.string() + "' --data '" + pbins.second.string() + "'";
  const auto alone = evaluate(data + " --packing none");
  const auto packed = evaluate(data + " --packing bfd --micro_batch_size 3");
  const double l = alone["loss"].get<double>();
  EXPECT_LE(std::abs(packed["loss"].get<double>() - l), 1e-5 * l);
  EXPECT_EQ(packed["trainable_tokens"], alone["trainable_tokens"]);
  EXPECT_EQ(packed["documents"], alone["documents"]);
  EXPECT_LT(packed["rows"].get<int64_t>(), alone["rows"].get<int64_t>());
  EXPECT_EQ(alone["rows"], alone["documents"]);
  // The run's evaluation at step 10 scored the same checkpoint on the same file.
  EXPECT_EQ(test.back()["step"], 10);
  EXPECT_NEAR(test.back()["CLMCrossEntropyLoss token mean"].get<double>(), l, 1e-5 * l);
  EXPECT_EQ(test.back()["trainable tokens"], alone["trainable_tokens"]);

  // Bad input, each a clear error.
  auto too_long = instill_at_source("", "evaluate" + data + " --sequence_length 16");
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_NE(too_long.err.find("more than a row of sequence_length 16"), std::string::npos)
      << too_long.err;
  auto above_model = instill_at_source("", "evaluate" + data + " --sequence_length 512");
  EXPECT_EQ(above_model.exit_code, 1);
  EXPECT_NE(above_model.err.find("above the model's maximum of 256 positions"), std::string::npos)
      << above_model.err;
}

TEST(PackedRunE2E, BadPackedConfigsAreClearErrors) {
  INSTILL_REQUIRE_GPT2(gpt2);
  (void)gpt2;
  TempDir tmp;
  const auto pbins = prepare_tutorial_data(tmp);
  std::string cfg = slurp(kTutorialConfigs / "train_config_packed.yaml");
  // Rows longer than the model: the dataset's sequence_length above the model's 256.
  std::string longer = cfg;
  const std::string key =
      "    sequence_length: ${settings.step_profile.sequence_length}\n    sample_key: "
      "${settings.referencing_keys.sample_key}\n    # Padding";
  ASSERT_NE(longer.find(key), std::string::npos);
  longer.replace(longer.find(key), key.size(),
                 "    sequence_length: 512\n    sample_key: "
                 "${settings.referencing_keys.sample_key}\n    # Padding");
  // (One row per step, so that the shorter schedule still has a warm-up phase.)
  const std::string mbs = "local_train_micro_batch_size: 4";
  longer.replace(longer.find(mbs), mbs.size(), "local_train_micro_batch_size: 1");
  tmp.write("longer.yaml", longer);
  auto r = instill_at_source(train_env(pbins),
                             "run --config_file_path '" + (tmp / "longer.yaml").string() +
                                 "' --experiments_root_path '" + tmp.path().string() +
                                 "' --experiment_id x --device cpu");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.err.find("rows of up to 512 input positions exceed the model's sequence_length (256)"),
      std::string::npos)
      << r.err;
  // A file without a document index.
  const std::string bytes = slurp(pbins.second);
  const uint64_t data_len = *reinterpret_cast<const uint64_t*>(bytes.data());
  spit(tmp / "no_index.pbin", bytes.substr(0, 12 + data_len));
  auto e = instill_at_source(
      "INSTILL_TRAIN_PBIN='" + (tmp / "no_index.pbin").string() + "' INSTILL_EVAL_PBIN='" +
          pbins.second.string() + "'",
      "run --config_file_path '" + (kTutorialConfigs / "train_config_packed.yaml").string() +
          "' --experiments_root_path '" + tmp.path().string() + "' --experiment_id y --device cpu");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("no_index.pbin: no document index"), std::string::npos) << e.err;
}

// The grad norm of the first optimizer step of the packed tutorial config run with `mbs` rows
// per micro-batch, `gas` accumulation steps and `norm` ("step_token_mean" or
// "micro_batch_mean"); `launch` prefixes the command (data-parallel runs).
double first_grad_norm(const TempDir& tmp, const std::pair<fs::path, fs::path>& pbins,
                       const std::string& name, int mbs, int gas, const std::string& norm,
                       const std::string& launch = "") {
  std::string cfg = slurp(kTutorialConfigs / "train_config_packed.yaml");
  auto set = [&cfg](const std::string& from, const std::string& to) {
    EXPECT_NE(cfg.find(from), std::string::npos) << from;
    cfg.replace(cfg.find(from), from.size(), to);
  };
  set("local_train_micro_batch_size: 4", "local_train_micro_batch_size: " + std::to_string(mbs));
  set("gradient_accumulation_steps: 1", "gradient_accumulation_steps: " + std::to_string(gas));
  set("normalization: step_token_mean", "normalization: " + norm);
  tmp.write(name + ".yaml", cfg);
  auto r = instill_at_source(
      train_env(pbins), launch + "run --config_file_path '" + (tmp / (name + ".yaml")).string() +
                            "' --experiments_root_path '" + tmp.path().string() +
                            "' --experiment_id " + name + " --device cpu --threads 1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return metrics(tmp / name / "metrics.jsonl", "train").at(0)["grad norm last"].get<double>();
}

// step_token_mean: an optimizer step over the same 4 rows has the same gradient whether they
// come as one micro-batch, as two accumulated ones, or as two ranks' micro-batches (the rows
// hold different numbers of trainable tokens, so the reference's mean of micro-batch means
// differs, which shows the check can fail).
TEST(PackedRunE2E, StepTokenMeanDoesNotDependOnHowAStepIsSplit) {
  INSTILL_REQUIRE_GPT2(gpt2);
  (void)gpt2;
  TempDir tmp;
  const auto pbins = prepare_tutorial_data(tmp);
  const double whole = first_grad_norm(tmp, pbins, "whole", 4, 1, "step_token_mean");
  EXPECT_NEAR(first_grad_norm(tmp, pbins, "accumulated", 2, 2, "step_token_mean"), whole,
              1e-5 * whole);
  const std::string two_ranks =
      "launch --nproc_per_node 2 --master_port " + std::to_string(free_tcp_port()) + " -- ";
  EXPECT_NEAR(first_grad_norm(tmp, pbins, "ranks", 2, 1, "step_token_mean", two_ranks), whole,
              1e-5 * whole);
  const double means = first_grad_norm(tmp, pbins, "means", 2, 2, "micro_batch_mean");
  EXPECT_GT(std::abs(means - whole), 1e-3 * whole) << "the check would not tell the two apart";
}

}  // namespace
}  // namespace instill::testing
