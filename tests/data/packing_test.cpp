// Best-fit-decreasing packing (data/packing_plan) and the packed SFT dataset over real
// .pbin files: no row over its capacity, every document exactly once, the same plan for
// the same seed, the overflow policies, and padded and unpadded files packing alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/error.hpp"
#include "data/packed_sft_dataset.hpp"
#include "data/packing_plan.hpp"
#include "data/pbin.hpp"
#include "test_support.hpp"

namespace instill::data {
namespace {

using testing::TempDir;

std::vector<int64_t> chat_like_lengths(size_t n, uint64_t seed, int64_t longest) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> length(4.0, 0.9);  // median ~55 tokens, long tail
  std::vector<int64_t> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(std::clamp<int64_t>(static_cast<int64_t>(length(rng)) + 2, 2, longest));
  return out;
}

int64_t positions(int64_t tokens) { return std::max<int64_t>(tokens - 1, 0); }

// Every document's tokens appear exactly once and no row exceeds the capacity.
void expect_valid_plan(const PackingPlan& plan, const std::vector<int64_t>& lengths,
                       int64_t capacity) {
  std::map<int64_t, int64_t> covered;  // document -> target positions covered
  for (const auto& row : plan.rows) {
    int64_t used = 0;
    for (const PlannedPiece& p : row) {
      used += positions(p.tokens);
      covered[p.document] += positions(p.tokens);
    }
    EXPECT_LE(used, capacity);
  }
  for (size_t d = 0; d < lengths.size(); ++d)
    EXPECT_EQ(covered[static_cast<int64_t>(d)], positions(lengths[d])) << "document " << d;
}

TEST(PackingPlan, EveryDocumentOnceAndNoRowOverCapacity) {
  const auto lengths = chat_like_lengths(2000, 1, 257);
  const PackingPlan plan = plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kError, 0);
  expect_valid_plan(plan, lengths, 256);
  for (const auto& row : plan.rows)
    for (const PlannedPiece& p : row) EXPECT_FALSE(p.continuation);
  // Best fit decreasing leaves little room: rows are on average more than 95% full.
  EXPECT_GT(static_cast<double>(plan.positions) / (256.0 * static_cast<double>(plan.rows.size())),
            0.95);
}

TEST(PackingPlan, SameSeedSamePlanAndTheSeedOnlyBreaksTies) {
  const auto lengths = chat_like_lengths(500, 2, 200);
  auto flat = [](const PackingPlan& p) {
    std::vector<int64_t> v;
    for (const auto& row : p.rows) {
      for (const PlannedPiece& piece : row) v.push_back(piece.document);
      v.push_back(-1);
    }
    return v;
  };
  const PackingPlan a = plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kError, 5);
  const PackingPlan b = plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kError, 5);
  const PackingPlan c = plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kError, 6);
  EXPECT_EQ(flat(a), flat(b));
  EXPECT_NE(flat(a), flat(c));
  EXPECT_EQ(a.rows.size(), c.rows.size());  // ties reorder, the fill stays
}

TEST(PackingPlan, ADocumentLongerThanARowIsAnErrorNamingIt) {
  const std::vector<int64_t> lengths = {10, 300, 20};
  try {
    plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kError, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("document 1 has 300 tokens"), std::string::npos) << m;
    EXPECT_NE(m.find("split or drop"), std::string::npos) << m;
  }
  // Exactly capacity + 1 tokens still fits (capacity positions).
  EXPECT_EQ(plan_best_fit_decreasing(std::vector<int64_t>{257}, 256, OverflowPolicy::kError, 0)
                .rows.size(),
            1u);
}

TEST(PackingPlan, DropCountsAndSplitCoversEveryTargetOnce) {
  const std::vector<int64_t> lengths = {10, 600, 20, 257};
  const PackingPlan dropped = plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kDrop, 0);
  EXPECT_EQ(dropped.dropped_documents, 1);
  for (const auto& row : dropped.rows)
    for (const PlannedPiece& p : row) EXPECT_NE(p.document, 1);
  const PackingPlan split = plan_best_fit_decreasing(lengths, 256, OverflowPolicy::kSplit, 0);
  EXPECT_EQ(split.split_documents, 1);
  expect_valid_plan(split, lengths, 256);
  std::vector<PlannedPiece> pieces;
  for (const auto& row : split.rows)
    for (const PlannedPiece& p : row)
      if (p.document == 1) pieces.push_back(p);
  std::sort(pieces.begin(), pieces.end(),
            [](const auto& a, const auto& b) { return a.begin < b.begin; });
  ASSERT_EQ(pieces.size(), 3u);  // 599 targets: 256 + 256 + 87
  EXPECT_EQ(pieces[1].begin, 256);
  EXPECT_TRUE(pieces[1].continuation);
  EXPECT_EQ(pieces[2].begin + pieces[2].tokens, 600);
}

void write_pbin(const std::filesystem::path& path, const std::vector<std::vector<uint32_t>>& docs) {
  PbinWriter w(path, 2);
  for (const auto& d : docs) w.add_document(d);
  w.finish();
}

TEST(PackedSftDataset, PaddedAndUnpaddedFilesGiveTheSamePlanAndRows) {
  TempDir tmp;
  constexpr uint32_t kEod = 9;
  std::vector<std::vector<uint32_t>> plain, padded;
  std::mt19937 rng(3);
  for (int d = 0; d < 60; ++d) {
    std::vector<uint32_t> doc(2 + rng() % 40);
    for (auto& t : doc) t = 10 + rng() % 50;
    doc.push_back(kEod);
    plain.push_back(doc);
    doc.resize(48, kEod);  // padded with the end-of-document token, as prepare writes
    padded.push_back(doc);
  }
  write_pbin(tmp / "plain.pbin", plain);
  write_pbin(tmp / "padded.pbin", padded);
  PackedSftOptions o;
  o.sequence_length = 64;
  PackedSftDataset a(tmp / "plain.pbin", o);
  o.pad_token_id = o.eod_token_id = kEod;
  PackedSftDataset b(tmp / "padded.pbin", o);
  ASSERT_EQ(a.size(), b.size());
  for (size_t d = 0; d < plain.size(); ++d)
    EXPECT_EQ(b.document_lengths()[d], static_cast<int64_t>(plain[d].size()));
  TokenRow ra, rb;
  for (int64_t i = 0; i < static_cast<int64_t>(a.size()); ++i) {
    a.read_row(i, ra);
    b.read_row(i, rb);
    EXPECT_EQ(ra.tokens, rb.tokens);
    ASSERT_EQ(ra.documents.size(), rb.documents.size());
  }
  // Without pad_token_id the padding stays and the rows are fuller of it.
  o.pad_token_id.reset();
  EXPECT_GT(PackedSftDataset(tmp / "padded.pbin", o).size(), a.size());
}

TEST(PackedSftDataset, RowsHoldTheDocumentsTokensInPlanOrder) {
  TempDir tmp;
  write_pbin(tmp / "d.pbin", {{1, 2, 3}, {4, 5, 6, 7, 8}, {9, 10}});
  PackedSftOptions o;
  o.sequence_length = 6;
  PackedSftDataset ds(tmp / "d.pbin", o);
  // Positions 4 (doc 1) + 2 (doc 0) fill the first row exactly; doc 2 (1) opens a second.
  ASSERT_EQ(ds.size(), 2u);
  TokenRow r;
  ds.read_row(0, r);
  EXPECT_EQ(r.tokens, (std::vector<uint32_t>{4, 5, 6, 7, 8, 1, 2, 3}));
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0].tokens, 5);
  ds.read_row(-1, r);
  EXPECT_EQ(r.tokens, (std::vector<uint32_t>{9, 10}));
  EXPECT_THROW(ds.read_row(2, r), Error);
}

TEST(PackedSftDataset, SplitPiecesCarryTheTokensBeforeThem) {
  TempDir tmp;
  write_pbin(tmp / "d.pbin", {{1, 2, 3, 4, 5, 6, 7, 8, 9}});
  PackedSftOptions o;
  o.sequence_length = 4;
  o.overflow = OverflowPolicy::kSplit;
  PackedSftDataset ds(tmp / "d.pbin", o);
  ASSERT_EQ(ds.size(), 2u);  // 8 targets: 4 + 4
  TokenRow r;
  std::vector<std::vector<uint32_t>> seen;
  for (int64_t i = 0; i < 2; ++i) {
    ds.read_row(i, r);
    if (r.documents[0].preceding.empty()) {
      EXPECT_EQ(r.tokens, (std::vector<uint32_t>{1, 2, 3, 4, 5}));
    } else {
      EXPECT_EQ(r.tokens, (std::vector<uint32_t>{5, 6, 7, 8, 9}));
      EXPECT_EQ(r.documents[0].preceding, (std::vector<uint32_t>{1, 2, 3, 4}));
    }
  }
}

TEST(PackedSftDataset, AFileWithoutAnIndexIsAClearError) {
  TempDir tmp;
  write_pbin(tmp / "d.pbin", {{1, 2, 3}});
  // Cut the index section off: header + 3 tokens of 2 bytes.
  std::string bytes = testing::slurp(tmp / "d.pbin");
  testing::spit(tmp / "cut.pbin", bytes.substr(0, kPbinHeaderSize + 6));
  PackedSftOptions o;
  o.sequence_length = 8;
  try {
    PackedSftDataset ds(tmp / "cut.pbin", o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.pbin: no document index"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace instill::data
