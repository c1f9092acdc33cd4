// Data-parallel building blocks: the launch environment (torchrun, SLURM, mpirun), the
// collective timeout, and two ranks in one process (threads over loopback Gloo): gradient
// averaging, optimizer sharding and parameter sharing, and a clear error instead of a hang
// when a peer never arrives.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "core/error.hpp"
#include "free_port.hpp"
#include "train/distributed/gradient_averager.hpp"
#include "train/distributed/launch_environment.hpp"
#include "train/distributed/optimizer_sharding.hpp"
#include "train/distributed/process_group.hpp"

namespace instill::train::distributed {
namespace {

GetEnv env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(LaunchEnvironment, OneProcessWithoutALauncher) {
  const auto env = read_launch_environment(env_of({}));
  EXPECT_EQ(env.rank, 0);
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.local_rank, 0);
  EXPECT_FALSE(env.distributed());
  EXPECT_EQ(env.launcher, "none");
  EXPECT_EQ(cuda_env_value(env, "WORLD_SIZE", env_of({})), "1");
}

TEST(LaunchEnvironment, TorchrunVariables) {
  const auto env = read_launch_environment(env_of({{"RANK", "3"},
                                                   {"WORLD_SIZE", "4"},
                                                   {"LOCAL_RANK", "1"},
                                                   {"MASTER_ADDR", "node7"},
                                                   {"MASTER_PORT", "1234"}}));
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "node7");
  EXPECT_EQ(env.master_port, 1234);
  EXPECT_EQ(env.launcher, "torchrun");
  EXPECT_EQ(cuda_env_value(env, "RANK", env_of({})), "3");
  EXPECT_EQ(cuda_env_value(env, "LOCAL_RANK", env_of({})), "1");
}

TEST(LaunchEnvironment, SlurmAndMpirunVariables) {
  auto slurm = read_launch_environment(
      env_of({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"}}));
  EXPECT_EQ(slurm.launcher, "slurm");
  EXPECT_EQ(slurm.rank, 5);
  EXPECT_EQ(slurm.world_size, 8);
  EXPECT_EQ(slurm.local_rank, 1);
  auto mpi = read_launch_environment(env_of({{"OMPI_COMM_WORLD_RANK", "2"},
                                             {"OMPI_COMM_WORLD_SIZE", "3"},
                                             {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}}));
  EXPECT_EQ(mpi.launcher, "mpirun");
  EXPECT_EQ(mpi.rank, 2);
  EXPECT_EQ(mpi.world_size, 3);
  EXPECT_EQ(mpi.local_rank, 0);
  // torchrun inside a SLURM allocation: the explicit RANK/WORLD_SIZE win.
  auto both = read_launch_environment(
      env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"RANK", "1"}, {"WORLD_SIZE", "2"}}));
  EXPECT_EQ(both.launcher, "torchrun");
  EXPECT_EQ(both.world_size, 2);
}

void expect_error(const GetEnv& env, const std::string& fragment) {
  try {
    read_launch_environment(env);
    ADD_FAILURE() << "no error, expected one mentioning " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(LaunchEnvironment, BadValuesNameTheVariable) {
  expect_error(env_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), "RANK=2: expected a rank in [0, 2)");
  expect_error(env_of({{"RANK", "0"}}), "RANK is set but WORLD_SIZE is not");
  expect_error(env_of({{"SLURM_PROCID", "x"}, {"SLURM_NTASKS", "2"}}),
               "SLURM_PROCID=\"x\": expected an integer");
  expect_error(env_of({{"MASTER_PORT", "70000"}}), "MASTER_PORT=70000");
}

TEST(CollectiveTimeout, DefaultAndOverride) {
  EXPECT_EQ(collective_timeout(env_of({})), std::chrono::seconds(300));
  EXPECT_EQ(collective_timeout(env_of({{"INSTILL_COLLECTIVE_TIMEOUT_S", "2.5"}})),
            std::chrono::milliseconds(2500));
  EXPECT_THROW(collective_timeout(env_of({{"INSTILL_COLLECTIVE_TIMEOUT_S", "0"}})), Error);
  EXPECT_THROW(collective_timeout(env_of({{"INSTILL_COLLECTIVE_TIMEOUT_S", "soon"}})), Error);
}

LaunchEnvironment rank_env(int rank, int world, int port) {
  LaunchEnvironment env;
  env.rank = rank;
  env.world_size = world;
  env.local_rank = rank;
  env.master_port = port;
  env.launcher = "test";
  return env;
}

// Runs body(rank, group) on two threads, each a rank of one Gloo group.
template <typename Body>
void with_two_ranks(Body body) {
  const int port = instill::testing::free_tcp_port();
  auto rank_main = [&](int rank) {
    DataParallelGroup group(rank_env(rank, 2, port), std::chrono::seconds(30));
    group.open_collectives(torch::kCPU);
    body(rank, group);
  };
  auto other = std::async(std::launch::async, rank_main, 1);
  rank_main(0);
  other.get();
}

TEST(DataParallelGroup, GradientsAreAveragedOverRanksInBuckets) {
  with_two_ranks([](int rank, DataParallelGroup& group) {
    // Three parameters, small buckets so that they span several all-reduces.
    std::vector<torch::Tensor> params{torch::zeros({3, 2}), torch::zeros({5}),
                                      torch::zeros({4}, torch::kFloat64)};
    for (auto& p : params) p.requires_grad_(true);
    params[0].mutable_grad() = torch::full({3, 2}, rank == 0 ? 1.0 : 3.0);
    params[1].mutable_grad() = torch::arange(5, torch::kFloat32) * (rank + 1);
    // params[2] has no gradient on rank 1: it counts as zeros.
    if (rank == 0) params[2].mutable_grad() = torch::full({4}, 4.0, torch::kFloat64);
    GradientAverager averager(group, params, /*bucket_bytes=*/32);
    EXPECT_EQ(averager.num_buckets(), 3u);
    averager.average();
    EXPECT_TRUE(torch::equal(params[0].grad(), torch::full({3, 2}, 2.0)));
    EXPECT_TRUE(torch::allclose(params[1].grad(), torch::arange(5, torch::kFloat32) * 1.5));
    EXPECT_TRUE(torch::equal(params[2].grad(), torch::full({4}, 2.0, torch::kFloat64)));
    EXPECT_EQ(group.payload_bytes(), (6 + 5) * 4 + 4 * 8);
    EXPECT_EQ(group.sum({1.0, static_cast<double>(rank)}, "test"), (std::vector<double>{2.0, 1.0}));
  });
}

TEST(DataParallelGroup, EachParameterHasOneOwnerAndUpdatesReachEveryRank) {
  with_two_ranks([](int rank, DataParallelGroup& group) {
    std::vector<std::pair<std::string, torch::Tensor>> named{{"big", torch::zeros({100})},
                                                             {"medium", torch::zeros({60})},
                                                             {"small", torch::zeros({50})},
                                                             {"tiny", torch::zeros({3})}};
    // Different starting values: broadcast_from_rank0 makes them rank 0's.
    for (auto& [_, t] : named) t.fill_(rank == 0 ? 7.0 : -1.0);
    OptimizerSharding sharding(group, named);
    sharding.broadcast_from_rank0();
    for (auto& [_, t] : named) EXPECT_TRUE(torch::equal(t, torch::full_like(t, 7.0)));
    // Largest first to the least loaded: big -> 0, medium -> 1, small -> 1, tiny -> 0.
    EXPECT_EQ(sharding.owner("big"), 0);
    EXPECT_EQ(sharding.owner("medium"), 1);
    EXPECT_EQ(sharding.owner("small"), 1);
    EXPECT_EQ(sharding.owner("tiny"), 0);
    EXPECT_EQ(sharding.owned_numel(0) + sharding.owned_numel(1), 213);
    EXPECT_THROW(sharding.owner("missing"), Error);
    for (auto& [name, t] : named) {
      t.mutable_grad() = torch::ones_like(t);
      if (sharding.owns(name)) t.fill_(static_cast<double>(10 + rank));  // "the update"
    }
    sharding.drop_foreign_gradients();
    for (auto& [name, t] : named) EXPECT_EQ(t.grad().defined(), sharding.owns(name)) << name;
    sharding.share_updated_parameters();
    for (auto& [name, t] : named)
      EXPECT_TRUE(torch::equal(t, torch::full_like(t, 10.0 + sharding.owner(name)))) << name;
    EXPECT_EQ(group.share_from_rank0("id", rank == 0 ? "from-rank-0" : "ignored"), "from-rank-0");
  });
}

TEST(DataParallelGroup, AMissingPeerFailsTheRendezvousWithinTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  try {
    DataParallelGroup group(rank_env(0, 2, instill::testing::free_tcp_port()),
                            std::chrono::milliseconds(1500));
    ADD_FAILURE() << "rank 0 joined a group whose rank 1 never came";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rendezvous of rank 0/2"), std::string::npos) << what;
    EXPECT_NE(what.find("only 1 of 2 ranks joined"), std::string::npos) << what;
    EXPECT_NE(what.find("INSTILL_COLLECTIVE_TIMEOUT_S"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(DataParallelGroup, APeerThatStopsAnsweringFailsTheCollective) {
  const int port = instill::testing::free_tcp_port();
  std::promise<void> rank1_joined;
  std::promise<void> rank0_done;
  auto rank1 = std::async(std::launch::async, [&] {
    DataParallelGroup group(rank_env(1, 2, port), std::chrono::seconds(30));
    group.open_collectives(torch::kCPU);
    rank1_joined.set_value();
    rank0_done.get_future().wait();  // never takes part in rank 0's all-reduce
  });
  DataParallelGroup group(rank_env(0, 2, port), std::chrono::milliseconds(1500));
  group.open_collectives(torch::kCPU);
  rank1_joined.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor t = torch::ones({4});
  try {
    group.all_reduce_sum(t, "gradient all-reduce");
    ADD_FAILURE() << "the all-reduce completed without rank 1";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank 0: gradient all-reduce failed"), std::string::npos) << what;
    EXPECT_NE(what.find("did not answer within 1.5"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  rank0_done.set_value();
  rank1.get();
}

}  // namespace
}  // namespace instill::train::distributed
