#include "train/collators.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace instill::train {
namespace {

torch::Tensor row(std::vector<int64_t> v) { return torch::tensor(v, torch::kInt64).unsqueeze(0); }
// Markers 0 (begin) and 1 (end), unpacked rows.
LossMaskResult mask_targets(const torch::Tensor& targets, int64_t begin, int64_t end,
                            int64_t ignore, const std::vector<int64_t>& indices) {
  MaskInput in;
  in.targets = targets;
  in.begin_id = begin;
  in.end_id = end;
  in.ignore_index = ignore;
  return train::mask_targets(in, indices);
}
std::vector<int64_t> values(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous().view({-1});
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

TEST(Gpt2LlmCollator, ShiftsSamplesIntoInputsAndTargets) {
  Gpt2LlmCollator c("input_ids", "target_ids");
  Batch b =
      c.collate(torch::tensor({1, 2, 3, 4, 5, 6, 7, 8}, torch::kInt64).view({2, 4}), {0, 1}, {});
  EXPECT_EQ(b.size, 2);
  EXPECT_EQ(values(b.sample("input_ids")), (std::vector<int64_t>{1, 2, 3, 5, 6, 7}));
  EXPECT_EQ(values(b.target("target_ids")), (std::vector<int64_t>{2, 3, 4, 6, 7, 8}));
  EXPECT_THROW(b.sample("text"), Error);
}

// The golden vector of the reference's test_loss_masking.py (spec §8.6).
TEST(MaskLossCollator, ReproducesTheReferenceGoldenVector) {
  auto wrapped = std::make_shared<Gpt2LlmCollator>("input_ids", "target_ids");
  MaskLossCollatorWrapper c(wrapped, {"target_ids"}, 0, 1, -100);
  Batch b = c.collate(row({5, 5, 0, 5, 5, 1, 5, 0, 5, 1, 0, 1, 5, 0, 1}), {0}, {});
  EXPECT_EQ(values(b.target("target_ids")),
            (std::vector<int64_t>{-100, -100, 5, 5, -100, -100, -100, 5, -100, -100, -100, -100,
                                  -100, -100}));
  EXPECT_EQ(b.rows_without_targets, 0);
  // Inputs are untouched.
  EXPECT_EQ(values(b.sample("input_ids"))[2], 0);
}

TEST(MaskLossCollator, ARowWithoutTargetsIsCountedNotTheWholeBatch) {
  auto wrapped = std::make_shared<Gpt2LlmCollator>("input_ids", "target_ids");
  MaskLossCollatorWrapper c(wrapped, {"target_ids"}, 0, 1, -100);
  torch::Tensor tokens = torch::tensor({9, 0, 5, 1, 9, 9, 9, 9, 9, 9}, torch::kInt64).view({2, 5});
  Batch b = c.collate(tokens, {3, 4}, {});
  EXPECT_EQ(values(b.target("target_ids")),
            (std::vector<int64_t>{-100, 5, -100, -100, -100, -100, -100, -100}));
  EXPECT_EQ(b.rows_without_targets, 1);
}

TEST(MaskLossCollator, ABeginWithoutEndKeepsTheRestOfTheRow) {
  auto r = mask_targets(row({7, 0, 4, 4}), 0, 1, -100, {0});
  EXPECT_EQ(values(r.masked), (std::vector<int64_t>{-100, -100, 4, 4}));
}

TEST(MaskLossCollator, AnEndBeforeItsBeginNamesTheDatasetSample) {
  try {
    mask_targets(torch::tensor({5, 0, 5, 1, 5, 1, 5, 5}, torch::kInt64).view({2, 4}), 0, 1, -100,
                 {11, 42});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset sample 42"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("end-of-loss marker comes before"), std::string::npos);
  }
  EXPECT_THROW(mask_targets(row({0, 0, 5, 1}), 0, 1, -100, {0}), Error);  // nested begins
}

TEST(MaskLossCollator, EqualMarkerIdsAreRejected) {
  auto wrapped = std::make_shared<Gpt2LlmCollator>("input_ids", "target_ids");
  EXPECT_THROW(MaskLossCollatorWrapper(wrapped, {"target_ids"}, 3, 3, -100), Error);
}

}  // namespace
}  // namespace instill::train
