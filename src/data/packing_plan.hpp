#pragma once
// Best-fit-decreasing packing of documents into rows of a fixed number of input positions.
// A document of L tokens trains L - 1 positions (each token predicts the next), so a row
// of capacity S holds documents with sum(L_i - 1) <= S. The plan is a pure function of the
// document lengths, the capacity, the overflow policy and the seed (which only breaks ties
// between equally long documents), so a resumed run recomputes exactly the same rows.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace instill::data {

// A run of tokens [begin, begin + tokens) of document `document`.
struct PlannedPiece {
  int64_t document = 0;
  int64_t begin = 0;  // token offset inside the document
  int64_t tokens = 0;
  bool continuation = false;  // begin > 0: a later piece of a split document
};

// What to do with a document longer than a row (L - 1 > capacity).
enum class OverflowPolicy {
  kError,  // refuse, naming the document and its length
  kSplit,  // pieces of capacity + 1 tokens overlapping by one token: every target trained once
  kDrop,   // leave it out and count it
};

OverflowPolicy overflow_policy_from_string(const std::string& name);  // "error", "split", "drop"
const char* to_string(OverflowPolicy policy);

struct PackingPlan {
  std::vector<std::vector<PlannedPiece>> rows;
  int64_t dropped_documents = 0;
  int64_t split_documents = 0;
  int64_t positions = 0;  // input positions the documents fill, over all rows
};

// `lengths[i]` is document i's token count. Throws (naming the document) under kError.
PackingPlan plan_best_fit_decreasing(std::span<const int64_t> lengths, int64_t capacity,
                                     OverflowPolicy policy, uint64_t seed);

// One document (or piece) per row, in file order: no packing, no padding in the rows.
PackingPlan plan_one_per_row(std::span<const int64_t> lengths, int64_t capacity,
                             OverflowPolicy policy);

}  // namespace instill::data
