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

namespace instill::train {
namespace {

torch::Tensor flags(std::vector<uint8_t> v, int64_t rows) {
  return torch::tensor(std::vector<int64_t>(v.begin(), v.end()), torch::kInt64)
      .to(torch::kUInt8)
      .view({rows, -1})
      .contiguous();
}

// Stored masks (chat-template data): a target is kept exactly when its token's flag is 1.
TEST(StoredMasks, KeepTheFlaggedTargetsOfPlainRows) {
  Gpt2LlmCollator c("input_ids", "target_ids");
  torch::Tensor tokens =
      torch::tensor({10, 11, 12, 13, 20, 21, 22, 23}, torch::kInt64).view({2, 4});
  Batch b = c.collate(tokens, {0, 1}, {});
  apply_stored_masks(b, flags({0, 1, 1, 0, 1, 0, 0, 0}, 2), {});
  // Row 0 trains tokens 11 and 12; row 1's only flagged token is its first, never a target.
  EXPECT_EQ(values(b.target("target_ids")), (std::vector<int64_t>{11, 12, -100, -100, -100, -100}));
  EXPECT_EQ(b.rows_without_targets, 1);
}

TEST(StoredMasks, FollowEachDocumentOfAPackedRow) {
  Gpt2LlmCollator c("input_ids", "target_ids");
  // Documents [10 11 12] and [20 21]: targets 11 12 | 21, the flags of tokens 11 and 21 set.
  torch::Tensor tokens = torch::tensor({10, 11, 12, 20, 21, 0}, torch::kInt64).view({1, 6});
  const RowDocuments docs = {{{3, {}}, {2, {}}}};
  Batch b = c.collate(tokens, {0}, docs);
  apply_stored_masks(b, flags({0, 1, 0, 1, 1, 1}, 1), docs);
  EXPECT_EQ(values(b.target("target_ids")), (std::vector<int64_t>{11, -100, 21}));
  EXPECT_EQ(b.rows_without_targets, 0);
}

}  // namespace
}  // namespace instill::train
