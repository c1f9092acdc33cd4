// Data-parallel `instill run` end to end on CPU over loopback (Gloo), through `instill
// launch`: 2 processes with micro-batch 2 against 1 process with micro-batch 4 (same losses
// and weights), a sharded checkpoint resuming identically, consolidation then resuming on one
// process, and failures (a killed worker, a stopped one) ending the job with a clear error.
// Every run has a timeout (coreutils `timeout`) so a hang fails the test instead of CI.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "free_port.hpp"
#include "metrics_jsonl.hpp"
#include "test_support.hpp"
#include "train/tensor_io.hpp"

namespace instill::testing {
namespace {

std::string tiny_config_text() {
  return slurp(std::string(INSTILL_SOURCE_DIR) + "/tests/train/configs/tiny_train.yaml");
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

// tiny_train.yaml without dropout (the ranks see other rows than one process would, so
// random masks could not match) and with the given micro-batch size.
fs::path write_config(const fs::path& dir, int micro_batch) {
  std::string cfg = tiny_config_text();
  replace_once(cfg, "    dropout: 0.1", "    dropout: 0.0");
  replace_once(cfg, "    local_train_micro_batch_size: 4",
               "    local_train_micro_batch_size: " + std::to_string(micro_batch));
  const fs::path file = dir / ("tiny_dp_mbs" + std::to_string(micro_batch) + ".yaml");
  spit(file, cfg);
  return file;
}

struct RunOutcome {
  CommandResult result;
  double seconds = 0;
};

// `instill <args>` with the lorem-ipsum data, killed after `limit_s` seconds.
RunOutcome instill(const fs::path& pbin, const std::string& args, int limit_s = 300,
                   const std::string& extra_env = "") {
  const auto start = std::chrono::steady_clock::now();
  RunOutcome r;
  r.result = run_command("cd '" + fs::temp_directory_path().string() + "' && " + extra_env +
                         " INSTILL_TRAIN_PBIN='" + pbin.string() + "' INSTILL_EVAL_PBIN='" +
                         pbin.string() + "' timeout -k 5 " + std::to_string(limit_s) + " '" +
                         instill_binary() + "' " + args);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::string launch2(int port) {
  return "launch --nproc_per_node 2 --master_port " + std::to_string(port) + " -- ";
}

std::string run_args(const fs::path& config, const fs::path& root, const std::string& id) {
  return "run --config_file_path '" + config.string() + "' --experiments_root_path '" +
         root.string() + "' --experiment_id " + id + " --device cpu";
}

double relative_difference(double a, double b) {
  return std::fabs(a - b) / std::max(std::fabs(a), 1e-12);
}

// Largest |a - b| over all tensors of two safetensors files with the same names.
double max_weight_difference(const fs::path& a, const fs::path& b) {
  auto ta = train::load_tensors(a), tb = train::load_tensors(b);
  EXPECT_EQ(ta.size(), tb.size());
  double worst = 0;
  for (const auto& [name, t] : ta) {
    auto it = tb.find(name);
    if (it == tb.end()) {
      ADD_FAILURE() << name << " missing in " << b;
      continue;
    }
    worst = std::max(
        worst, (t.to(torch::kFloat64) - it->second.to(torch::kFloat64)).abs().max().item<double>());
  }
  return worst;
}

// One 1-process and one 2-process run shared by the tests below (they take ~1 min each).
class DataParallelRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pbin_ = lorem_pbin();
    if (pbin_.empty()) return;
    tmp_ = new TempDir();
    one_ = instill(pbin_, run_args(write_config(tmp_->path(), 4), tmp_->path(), "one"));
    two_ = instill(pbin_, launch2(free_tcp_port()) +
                              run_args(write_config(tmp_->path(), 2), tmp_->path(), "two"));
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  void SetUp() override {
    if (pbin_.empty())
      INSTILL_UNAVAILABLE("GPT-2's tokenizer files are missing (scripts/setup.sh)");
    ASSERT_EQ(one_.result.exit_code, 0) << one_.result.err;
    ASSERT_EQ(two_.result.exit_code, 0) << two_.result.out << two_.result.err;
  }
  static fs::path root() { return tmp_->path(); }

  static inline fs::path pbin_;
  static inline TempDir* tmp_ = nullptr;
  static inline RunOutcome one_, two_;
};

TEST_F(DataParallelRun, TwoProcessesMatchOneProcessWithTwiceTheMicroBatch) {
  std::cout << "1 process: " << one_.seconds << " s, 2 processes: " << two_.seconds << " s\n";
  const auto a = metrics(root() / "one" / "metrics.jsonl", "train");
  const auto b = metrics(root() / "two" / "metrics.jsonl", "train");
  ASSERT_EQ(a.size(), 15u);
  ASSERT_EQ(b.size(), 15u) << "metrics.jsonl must be written by rank 0 only";
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    EXPECT_EQ(a[i]["consumed tokens"], b[i]["consumed tokens"]);
    const double la = a[i]["train loss avg"].get<double>(),
                 lb = b[i]["train loss avg"].get<double>();
    worst = std::max(worst, relative_difference(la, lb));
    EXPECT_LE(relative_difference(la, lb), 1e-5)
        << "step " << a[i]["step"] << ": " << la << " vs " << lb;
    EXPECT_LE(relative_difference(a[i]["grad norm last"].get<double>(),
                                  b[i]["grad norm last"].get<double>()),
              1e-4)
        << "step " << a[i]["step"];
  }
  std::cout << "largest relative loss difference: " << worst << "\n";
  const auto ea = metrics(root() / "one" / "metrics.jsonl", "test");
  const auto eb = metrics(root() / "two" / "metrics.jsonl", "test");
  ASSERT_EQ(ea.size(), eb.size());
  EXPECT_LE(relative_difference(ea.back()["CLMCrossEntropyLoss"].get<double>(),
                                eb.back()["CLMCrossEntropyLoss"].get<double>()),
            1e-5);
  const double dw = max_weight_difference(
      checkpoint_at(root() / "one" / "checkpoints", 15) / "model.safetensors",
      checkpoint_at(root() / "two" / "checkpoints", 15) / "model.safetensors");
  std::cout << "largest final weight difference: " << dw << "\n";
  EXPECT_LE(dw, 1e-5);
  // Output: prefixed by rank, the world size stated, logging from rank 0 only.
  const std::string& out = two_.result.out;
  EXPECT_NE(out.find("[rank 0] instill run: experiment two"), std::string::npos) << out;
  EXPECT_NE(out.find("world size 2"), std::string::npos) << out;
  EXPECT_NE(out.find("data parallel: 2 ranks over gloo"), std::string::npos) << out;
  EXPECT_EQ(out.find("[rank 1] "), std::string::npos) << "rank 1 must not log: " << out;
}

TEST_F(DataParallelRun, EachRankWritesItsOptimizerShard) {
  const fs::path ckpt = checkpoint_at(root() / "two" / "checkpoints", 5);
  ASSERT_FALSE(ckpt.empty());
  for (const char* f : {"model.safetensors", "trainer_state.json",
                        "optimizer.rank0-of-2.safetensors", "optimizer.rank1-of-2.safetensors",
                        "rng.rank0-of-2.safetensors", "rng.rank1-of-2.safetensors"})
    EXPECT_TRUE(fs::exists(ckpt / f)) << f;
  EXPECT_FALSE(fs::exists(ckpt / "optimizer.safetensors"));
  auto s0 = train::load_tensors(ckpt / "optimizer.rank0-of-2.safetensors");
  auto s1 = train::load_tensors(ckpt / "optimizer.rank1-of-2.safetensors");
  auto full = train::load_tensors(checkpoint_at(root() / "one" / "checkpoints", 5) /
                                  "optimizer.safetensors");
  EXPECT_FALSE(s0.empty());
  EXPECT_FALSE(s1.empty());
  EXPECT_EQ(s0.size() + s1.size(), full.size()) << "the shards must partition the state";
  for (const auto& [k, _] : s0) EXPECT_EQ(s1.count(k), 0u) << k << " is in both shards";
  auto info = nlohmann::json::parse(slurp(ckpt / "trainer_state.json"));
  EXPECT_EQ(info["optimizer_shards"], 2);
}

TEST_F(DataParallelRun, AShardedCheckpointResumesIdenticallyOnTheSameWorldSize) {
  const fs::path from = checkpoint_at(root() / "two" / "checkpoints", 5);
  auto r = instill(pbin_, launch2(free_tcp_port()) +
                              run_args(write_config(root(), 2), root(), "two_resumed") +
                              " --resume_from '" + from.string() + "'");
  ASSERT_EQ(r.result.exit_code, 0) << r.result.out << r.result.err;
  const auto a = metrics(root() / "two" / "metrics.jsonl", "train");
  const auto b = metrics(root() / "two_resumed" / "metrics.jsonl", "train");
  ASSERT_EQ(b.size(), 10u);
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(b[i]["step"], a[i + 5]["step"]);
    EXPECT_EQ(b[i]["train loss avg"], a[i + 5]["train loss avg"]) << "step " << b[i]["step"];
  }
  const fs::path end_a = checkpoint_at(root() / "two" / "checkpoints", 15);
  const fs::path end_b = checkpoint_at(root() / "two_resumed" / "checkpoints", 15);
  EXPECT_EQ(slurp(end_a / "model.safetensors"), slurp(end_b / "model.safetensors"));
  for (const char* shard : {"optimizer.rank0-of-2.safetensors", "optimizer.rank1-of-2.safetensors"})
    EXPECT_EQ(slurp(end_a / shard), slurp(end_b / shard)) << shard;

  // One process cannot take the shards over, and says what to do instead.
  auto one = instill(pbin_, run_args(write_config(root(), 4), root(), "refused") +
                                " --resume_from '" + from.string() + "'");
  EXPECT_EQ(one.result.exit_code, 1);
  EXPECT_NE(one.result.err.find("sharded over 2 ranks"), std::string::npos) << one.result.err;
  EXPECT_NE(one.result.err.find("instill consolidate_checkpoint"), std::string::npos)
      << one.result.err;
}

TEST_F(DataParallelRun, AConsolidatedCheckpointResumesOnOneProcess) {
  const fs::path from = checkpoint_at(root() / "two" / "checkpoints", 5);
  const fs::path merged = root() / "merged";
  auto c = instill(pbin_, "consolidate_checkpoint --checkpoint '" + from.string() + "' --output '" +
                              merged.string() + "'");
  ASSERT_EQ(c.result.exit_code, 0) << c.result.err;
  EXPECT_NE(c.result.out.find("consolidated 2 optimizer shard(s)"), std::string::npos);
  EXPECT_TRUE(fs::exists(merged / "optimizer.safetensors"));
  EXPECT_FALSE(fs::exists(merged / "optimizer.rank0-of-2.safetensors"));
  // Same tensors as the one-process run's checkpoint at that step, close in value.
  EXPECT_LE(max_weight_difference(
                merged / "optimizer.safetensors",
                checkpoint_at(root() / "one" / "checkpoints", 5) / "optimizer.safetensors"),
            1e-5);

  auto r = instill(pbin_, run_args(write_config(root(), 4), root(), "merged_one") +
                              " --resume_from '" + merged.string() + "'");
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const auto a = metrics(root() / "two" / "metrics.jsonl", "train");
  const auto b = metrics(root() / "merged_one" / "metrics.jsonl", "train");
  ASSERT_EQ(b.size(), 10u);
  for (size_t i = 0; i < b.size(); ++i)
    EXPECT_LE(relative_difference(a[i + 5]["train loss avg"].get<double>(),
                                  b[i]["train loss avg"].get<double>()),
              1e-5)
        << "step " << b[i]["step"];
  // ... and on two processes again (each rank takes its part of the single state).
  auto r2 = instill(pbin_, launch2(free_tcp_port()) +
                               run_args(write_config(root(), 2), root(), "merged_two") +
                               " --resume_from '" + merged.string() + "'");
  ASSERT_EQ(r2.result.exit_code, 0) << r2.result.out << r2.result.err;
  const auto b2 = metrics(root() / "merged_two" / "metrics.jsonl", "train");
  ASSERT_EQ(b2.size(), 10u);
  EXPECT_EQ(b2.back()["train loss avg"], a.back()["train loss avg"]);
}

// Starts a 2-process job through `instill launch` in the background, waits until rank 0 has
// logged step 2, sends `signal` to the worker started last (rank 1) and reports how the job
// ended: "rc=<exit code> ms=<milliseconds from the signal to the launcher's exit>".
struct FailureOutcome {
  int exit_code = -1;
  long milliseconds = -1;
  std::string out, err;
};

FailureOutcome signal_rank1_of_running_job(const fs::path& pbin, const std::string& signal,
                                           const std::string& timeout_s,
                                           bool signal_the_launcher = false) {
  TempDir tmp;
  const fs::path cfg = write_config(tmp.path(), 2);
  spit(tmp / "job.sh", R"SH(#!/bin/bash
out=$1; err=$2; shift 2
"$@" >"$out" 2>"$err" &
job=$!
for i in $(seq 1800); do grep -q 'step: 2 ' "$out" && break; sleep 0.1; done
launcher=$(pgrep -P $job | head -n 1)
worker=$(pgrep -P $launcher | sort -n | tail -n 1)
target=$worker; [ "$TARGET" = launcher ] && target=$launcher
kill -)SH" + signal + R"SH( $target
start=$(date +%s%N)
wait $job; rc=$?
end=$(date +%s%N)
kill -9 $worker 2>/dev/null
echo "rc=$rc ms=$(( (end - start) / 1000000 ))"
)SH");
  auto r = run_command(std::string("TARGET=") + (signal_the_launcher ? "launcher" : "worker") +
                       " INSTILL_COLLECTIVE_TIMEOUT_S=" + timeout_s + " INSTILL_TRAIN_PBIN='" +
                       pbin.string() + "' INSTILL_EVAL_PBIN='" + pbin.string() + "' bash '" +
                       (tmp / "job.sh").string() + "' '" + (tmp / "out").string() + "' '" +
                       (tmp / "err").string() + "' timeout -k 5 240 '" + instill_binary() + "' " +
                       launch2(free_tcp_port()) + run_args(cfg, tmp.path(), "job"));
  FailureOutcome o;
  std::sscanf(r.out.c_str(), "rc=%d ms=%ld", &o.exit_code, &o.milliseconds);
  o.out = slurp(tmp / "out");
  o.err = slurp(tmp / "err");
  return o;
}

TEST(DataParallelFailure, KillingOneWorkerStopsTheLaunchWithItsStatus) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  const auto o = signal_rank1_of_running_job(pbin, "9", "120");
  std::cout << "killed worker: launcher exited " << o.milliseconds << " ms later\n";
  EXPECT_EQ(o.exit_code, 128 + 9) << o.err;
  EXPECT_NE(o.err.find("worker rank 1"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("signal 9"), std::string::npos) << o.err;
  EXPECT_GE(o.milliseconds, 0);
  EXPECT_LT(o.milliseconds, 30000) << "far less than the 120 s collective timeout";
}

TEST(DataParallelFailure, AStoppedWorkerMakesTheOthersFailAfterTheTimeout) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  const auto o = signal_rank1_of_running_job(pbin, "STOP", "4");
  std::cout << "stopped worker: launcher exited " << o.milliseconds << " ms later\n";
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("[rank 0] instill: error: data-parallel rank 0:"), std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("did not answer within 4"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("worker rank 0 failed with exit status 1"), std::string::npos) << o.err;
  EXPECT_GE(o.milliseconds, 3000) << "it failed before the timeout: " << o.err;
  EXPECT_LT(o.milliseconds, 60000);
}

TEST(DataParallelFailure, SigtermToTheLauncherReachesEveryWorker) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  const auto o = signal_rank1_of_running_job(pbin, "TERM", "120", /*signal_the_launcher=*/true);
  EXPECT_EQ(o.exit_code, 128 + 15) << o.err;
  EXPECT_NE(o.err.find("instill launch: received signal 15"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("failed with"), std::string::npos) << "a forwarded stop is no failure";
  EXPECT_LT(o.milliseconds, 30000);
}

TEST(Launch, PrefixesOutputAndReportsTheFailingWorker) {
  // A torch-free verb: each worker fails at once with a usage error.
  auto r = run_command("timeout -k 5 60 '" + instill_binary() + "' " + launch2(free_tcp_port()) +
                       "data inspect /nonexistent.pbin --tokenizer /nonexistent");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "timed out";
  // Whichever worker fails first is named, after its own prefixed error line.
  const size_t verdict = r.err.find("instill launch: error: worker rank ");
  EXPECT_NE(r.err.find("] instill: error: /nonexistent.pbin"), std::string::npos) << r.err;
  EXPECT_LT(r.err.find("] instill: error: /nonexistent.pbin"), verdict) << r.err;
  EXPECT_NE(verdict, std::string::npos) << r.err;
  auto ok = run_command("timeout -k 5 60 '" + instill_binary() + "' " + launch2(free_tcp_port()) +
                        "--version");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("[rank 0] instill "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("[rank 1] instill "), std::string::npos) << ok.out;
}

}  // namespace
}  // namespace instill::testing
