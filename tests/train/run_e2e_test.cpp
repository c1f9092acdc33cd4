// `instill run` end to end: exact resume (bit-identical weights and losses, dropout included),
// the reference's own way of resuming, the reference's lorem-ipsum config on CPU, and clear
// errors for a CUDA config without CUDA, a bad config value and an incomplete checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "metrics_jsonl.hpp"
#include "test_support.hpp"

namespace instill::testing {
namespace {

std::string tiny_config() {
  return std::string(INSTILL_SOURCE_DIR) + "/tests/train/configs/tiny_train.yaml";
}

std::string lorem_env(const fs::path& pbin) {
  return "INSTILL_TRAIN_PBIN='" + pbin.string() + "' INSTILL_EVAL_PBIN='" + pbin.string() + "' ";
}

CommandResult run_instill(const std::string& env, const std::string& args) {
  return run_command("cd '" + fs::temp_directory_path().string() + "' && " + env + "'" +
                     instill_binary() + "' run " + args);
}

// Two runs' train events: `steps` of them each, the same losses and grad norms bit for bit.
void expect_same_training(const fs::path& a, const fs::path& b, size_t steps) {
  const auto one = metrics(a / "metrics.jsonl", "train");
  const auto two = metrics(b / "metrics.jsonl", "train");
  ASSERT_EQ(one.size(), steps);
  ASSERT_EQ(two.size(), steps);
  for (size_t i = 0; i < steps; ++i) {
    EXPECT_EQ(one[i]["train loss avg"], two[i]["train loss avg"]) << "step " << i + 1;
    EXPECT_EQ(one[i]["grad norm last"], two[i]["grad norm last"]) << "step " << i + 1;
  }
}

void expect_same_continuation(const fs::path& a, const fs::path& b, int from_step) {
  EXPECT_EQ(slurp(checkpoint_at(a / "checkpoints", 15) / "model.safetensors"),
            slurp(checkpoint_at(b / "checkpoints", 15) / "model.safetensors"))
      << "final weights differ";
  EXPECT_EQ(slurp(checkpoint_at(a / "checkpoints", 15) / "optimizer.safetensors"),
            slurp(checkpoint_at(b / "checkpoints", 15) / "optimizer.safetensors"))
      << "final optimizer state differs";
  auto ma = metrics(a / "metrics.jsonl", "train"), mb = metrics(b / "metrics.jsonl", "train");
  ASSERT_EQ(ma.size(), 15u);
  ASSERT_EQ(mb.size(), static_cast<size_t>(15 - from_step));
  for (size_t i = 0; i < mb.size(); ++i) {
    EXPECT_EQ(mb[i]["step"], ma[static_cast<size_t>(from_step) + i]["step"]);
    EXPECT_EQ(mb[i]["train loss last"], ma[static_cast<size_t>(from_step) + i]["train loss last"])
        << "step " << mb[i]["step"];
    EXPECT_EQ(mb[i]["grad norm last"], ma[static_cast<size_t>(from_step) + i]["grad norm last"]);
  }
  EXPECT_EQ(metrics(a / "metrics.jsonl", "test").back()["CLMCrossEntropyLoss"],
            metrics(b / "metrics.jsonl", "test").back()["CLMCrossEntropyLoss"]);
}

TEST(RunE2E, ResumingContinuesBitIdentically) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  TempDir tmp;
  const std::string env = lorem_env(pbin);
  auto a = run_instill(env, "--config_file_path '" + tiny_config() + "' --experiments_root_path '" +
                                tmp.path().string() + "' --experiment_id a --device cpu");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const fs::path exp_a = tmp / "a";
  EXPECT_TRUE(fs::exists(exp_a / "tiny_train.yaml"));
  EXPECT_TRUE(fs::exists(exp_a / "tiny_train.yaml.resolved"));
  for (int step : {5, 10, 15})
    EXPECT_FALSE(checkpoint_at(exp_a / "checkpoints", step).empty()) << step;
  auto info = nlohmann::json::parse(slurp(exp_a / "checkpoints" / "last_checkpoint_info.json"));
  EXPECT_EQ(fs::path(info["checkpoint_folder_path"].get<std::string>()).filename(),
            checkpoint_at(exp_a / "checkpoints", 15).filename());
  auto train = metrics(exp_a / "metrics.jsonl", "train");
  ASSERT_EQ(train.size(), 15u);
  for (const char* key :
       {"train loss avg", "grad norm last", "lr mean", "train tokens/s", "train samples/s",
        "train mfu (16-bit)", "peak memory rank 0 (MB)", "consumed tokens"})
    EXPECT_TRUE(train[0].contains(key)) << key;
  EXPECT_EQ(train.back()["consumed tokens"], 15 * 2 * 4 * 64);
  EXPECT_EQ(metrics(exp_a / "metrics.jsonl", "test").size(), 3u);

  auto b = run_instill(env, "--config_file_path '" + tiny_config() + "' --experiments_root_path '" +
                                tmp.path().string() +
                                "' --experiment_id b --device cpu --resume_from '" +
                                checkpoint_at(exp_a / "checkpoints", 5).string() + "'");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  expect_same_continuation(exp_a, tmp / "b", 5);

  // The reference's way: training_progress and warmstart_checkpoint_paths in the config.
  std::string cfg = slurp(tiny_config());
  const std::string fresh =
      "    global_num_seen_tokens: 0\n    num_seen_steps: 0\n    num_seen_samples: 0\n    "
      "last_step: -1\n";
  ASSERT_NE(cfg.find(fresh), std::string::npos);
  cfg.replace(cfg.find(fresh), fresh.size(),
              "    global_num_seen_tokens: 5120\n    num_seen_steps: 10\n    num_seen_samples: 80\n"
              "    last_step: 9\n  warmstart_checkpoint_paths:\n    checkpoint_folder_path: " +
                  checkpoint_at(exp_a / "checkpoints", 10).string() + "\n");
  spit(tmp / "warmstart.yaml", cfg);
  auto c = run_instill(env, "--config_file_path '" + (tmp / "warmstart.yaml").string() +
                                "' --experiments_root_path '" + tmp.path().string() +
                                "' --experiment_id c --device cpu");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  expect_same_continuation(exp_a, tmp / "c", 10);

  // An incomplete checkpoint (as a killed writer could leave, were it not renamed) is refused.
  const fs::path broken = tmp / "broken";
  fs::copy(checkpoint_at(exp_a / "checkpoints", 5), broken);
  fs::remove(broken / "trainer_state.json");
  auto d = run_instill(env, "--config_file_path '" + tiny_config() + "' --experiments_root_path '" +
                                tmp.path().string() +
                                "' --experiment_id d --device cpu --resume_from '" +
                                broken.string() + "'");
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.err.find("incomplete checkpoint, trainer_state.json is missing"), std::string::npos)
      << d.err;
  for (const auto& e : fs::directory_iterator(exp_a / "checkpoints"))
    EXPECT_NE(e.path().filename().string().rfind(".tmp-", 0), 0u) << "left a temporary folder";
}

TEST(RunE2E, TheReferenceLoremConfigTrainsOnCpuAndRepeatsWithoutSeed) {
  INSTILL_REQUIRE_FIXTURE(config, "config_files/training/config_lorem_ipsum_long_fsdp2.yaml");
  INSTILL_REQUIRE_FIXTURE(pbin, "data/lorem_ipsum.pbin");
  TempDir tmp;
  std::string cfg = slurp(config);
  // The reference config lacks experiments_root_path (spec Q10) and uses relative data paths.
  auto replace = [&](const std::string& from, const std::string& to) {
    ASSERT_NE(cfg.find(from), std::string::npos) << from;
    cfg.replace(cfg.find(from), from.size(), to);
  };
  replace("checkpoint_saving_path: data/checkpoints",
          "checkpoint_saving_path: " + (tmp / "ckpt").string() +
              "\n    experiments_root_path: ${modalities_env:experiments_root_path}");
  replace("./data/lorem_ipsum_long.pbin", pbin.string());
  replace("test_dataset_path: ./data/lorem_ipsum.pbin", "test_dataset_path: " + pbin.string());
  spit(tmp / "lorem.yaml", cfg);
  const std::string args = "--config_file_path '" + (tmp / "lorem.yaml").string() +
                           "' --experiments_root_path '" + tmp.path().string() +
                           "' --experiment_id x";
  auto no_cuda = run_instill("", args);
  EXPECT_EQ(no_cuda.exit_code, 1);
  EXPECT_NE(no_cuda.err.find("device_mesh.config.device_type"), std::string::npos) << no_cuda.err;
  EXPECT_NE(no_cuda.err.find("--device cpu"), std::string::npos) << no_cuda.err;
  auto r = run_instill("", args + " --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto train = metrics(tmp / "x" / "metrics.jsonl", "train");
  ASSERT_GT(train.size(), 10u);
  EXPECT_LT(train.back()["train loss avg"].get<double>(),
            0.9 * train.front()["train loss avg"].get<double>());
  // The model has no seed (only the sampler has one), and a second run is still the same run,
  // bit for bit.
  const std::string model = cfg.substr(cfg.find("\nmodel_raw:"));
  ASSERT_EQ(model.substr(0, model.find("\n\n")).find("seed:"), std::string::npos);
  auto again = run_instill("", "--config_file_path '" + (tmp / "lorem.yaml").string() +
                                   "' --experiments_root_path '" + tmp.path().string() +
                                   "' --experiment_id y --device cpu");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  expect_same_training(tmp / "x", tmp / "y", train.size());
}

// libtorch seeds its default generator from the OS; a config without a seed must still give
// the same run every time (the reference's users expect repeatable unseeded CPU runs).
TEST(RunE2E, AConfigWithoutSeedRepeatsExactly) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  TempDir tmp;
  std::string cfg = slurp(tiny_config());
  const std::string seed = "    seed: 1234\n";
  ASSERT_NE(cfg.find(seed), std::string::npos);
  cfg.erase(cfg.find(seed), seed.size());
  spit(tmp / "unseeded.yaml", cfg);
  for (const char* id : {"u1", "u2"}) {
    auto r =
        run_instill(lorem_env(pbin), "--config_file_path '" + (tmp / "unseeded.yaml").string() +
                                         "' --experiments_root_path '" + tmp.path().string() +
                                         "' --experiment_id " + id + " --device cpu");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  expect_same_training(tmp / "u1", tmp / "u2", 15);
}

TEST(RunE2E, ABadConfigValueNamesItsKeyPathAndLine) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  TempDir tmp;
  std::string cfg = slurp(tiny_config());
  cfg.replace(cfg.find("    n_layer: 2"), 14, "    n_layer: two");
  spit(tmp / "bad.yaml", cfg);
  auto r = run_instill(lorem_env(pbin), "--config_file_path '" + (tmp / "bad.yaml").string() +
                                            "' --experiments_root_path '" + tmp.path().string() +
                                            "' --device cpu");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("model_raw.config.n_layer: expected an integer"), std::string::npos)
      << r.err;
}

// AdamW's betas are checked as torch checks them (each in [0, 1)), with the key named; a
// string beta was once a bare "std::get: wrong index for variant".
TEST(RunE2E, AdamWBetasOutsideTheirRangeNameTheirKey) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  for (const std::string betas : {"[0.9, 1.0]", "[-0.1, 0.95]", "[0.9, '0.95']", "[0.9]"}) {
    TempDir tmp;
    std::string cfg = slurp(tiny_config());
    cfg.replace(cfg.find("betas: [0.9, 0.95]"), 18, "betas: " + betas);
    spit(tmp / "bad.yaml", cfg);
    auto r = run_instill(lorem_env(pbin), "--config_file_path '" + (tmp / "bad.yaml").string() +
                                              "' --experiments_root_path '" + tmp.path().string() +
                                              "' --device cpu");
    EXPECT_EQ(r.exit_code, 1) << betas;
    EXPECT_NE(r.err.find("optimizer.config.betas"), std::string::npos) << betas << ": " << r.err;
    EXPECT_NE(r.err.find("each in [0, 1)"), std::string::npos) << betas << ": " << r.err;
  }
}

}  // namespace
}  // namespace instill::testing
