#include "train/samplers.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "torch_oracle.hpp"

namespace instill::train {
namespace {

TEST(TorchRandperm, MatchesTheSpecVectorForSeed42) {
  const std::vector<int64_t> expected = {22, 9,  32, 15, 0,  3,  8,  18, 14, 13, 38, 2,  7,  4,
                                         23, 37, 27, 29, 35, 17, 19, 25, 6,  21, 12, 10, 16, 39,
                                         24, 33, 11, 34, 28, 20, 26, 31, 30, 36, 1,  5};
  EXPECT_EQ(torch_randperm(40, 42), expected);
}

TEST(TorchRandperm, MatchesTorchForManySizesAndSeeds) {
  INSTILL_REQUIRE_TORCH_ORACLE();
  for (auto [n, seed] : std::vector<std::pair<int, int>>{
           {0, 1}, {1, 7}, {2, 0}, {17, 3}, {1000, 42}, {4097, 123456789}}) {
    auto r =
        testing::run_torch_reference("randperm " + std::to_string(n) + " " + std::to_string(seed));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(torch_randperm(static_cast<uint64_t>(n), static_cast<uint64_t>(seed)),
              nlohmann::json::parse(r.out).get<std::vector<int64_t>>())
        << "n=" << n << " seed=" << seed;
  }
}

TEST(ResumableDistributedSampler, SkipsSeenSamplesAndSplitsByRank) {
  ResumableDistributedSamplerOptions o;
  o.dataset_size = 40;
  o.shuffle = true;
  o.seed = 42;
  o.drop_last = true;
  const auto perm = torch_randperm(40, 42);
  o.num_replicas = 1;
  EXPECT_EQ(ResumableDistributedSampler(o).indices(), perm);
  o.skip_num_global_samples = 6;
  EXPECT_EQ(ResumableDistributedSampler(o).indices(),
            std::vector<int64_t>(perm.begin() + 6, perm.end()));
  // 34 remaining over 4 replicas: ceil((34 - 4) / 4) = 8 each, rank 1 takes 1, 5, 9, ...
  o.num_replicas = 4;
  o.rank = 1;
  auto idx = ResumableDistributedSampler(o).indices();
  ASSERT_EQ(idx.size(), 8u);
  for (size_t i = 0; i < idx.size(); ++i) EXPECT_EQ(idx[i], perm[6 + 1 + 4 * i]);
  o.skip_num_global_samples = 41;
  EXPECT_THROW(ResumableDistributedSampler{o}, Error);
}

TEST(ResumableDistributedSampler, UnshuffledIsTheIdentity) {
  ResumableDistributedSamplerOptions o;
  o.dataset_size = 5;
  o.drop_last = true;
  EXPECT_EQ(ResumableDistributedSampler(o).indices(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(DistributedSampler, DropsTheTailAndStridesByRank) {
  EXPECT_EQ(DistributedSampler(10, 0, 3, false, 0, true).indices(),
            (std::vector<int64_t>{0, 3, 6}));
  EXPECT_EQ(DistributedSampler(10, 2, 3, false, 0, true).indices(),
            (std::vector<int64_t>{2, 5, 8}));
  EXPECT_TRUE(DistributedSampler(1, 1, 2, false, 0, true).indices().empty());
  // Without drop_last torch pads by repeating from the start.
  EXPECT_EQ(DistributedSampler(10, 2, 3, false, 0, false).indices(),
            (std::vector<int64_t>{2, 5, 8, 1}));
}

TEST(BatchSampler, GroupsConsecutiveIndicesAndDropsTheIncompleteTail) {
  ResumableDistributedSamplerOptions o;
  o.dataset_size = 7;
  auto s = std::make_shared<ResumableDistributedSampler>(o);
  auto b = BatchSampler(s, 3, true).batches();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1], (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(BatchSampler(s, 3, false).batches().size(), 3u);
}

}  // namespace
}  // namespace instill::train
