#include "data/packing_plan.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#include "core/error.hpp"

namespace instill::data {

OverflowPolicy overflow_policy_from_string(const std::string& name) {
  if (name == "error") return OverflowPolicy::kError;
  if (name == "split") return OverflowPolicy::kSplit;
  if (name == "drop") return OverflowPolicy::kDrop;
  throw Error("unknown overflow policy \"" + name + "\" (expected error, split or drop)");
}

const char* to_string(OverflowPolicy policy) {
  switch (policy) {
    case OverflowPolicy::kError:
      return "error";
    case OverflowPolicy::kSplit:
      return "split";
    case OverflowPolicy::kDrop:
      return "drop";
  }
  return "?";
}

namespace {

int64_t positions_of(int64_t tokens) { return std::max<int64_t>(tokens - 1, 0); }

// The pieces to place: whole documents, or the pieces of split ones, before sorting.
std::vector<PlannedPiece> pieces_to_place(std::span<const int64_t> lengths, int64_t capacity,
                                          OverflowPolicy policy, PackingPlan& plan) {
  std::vector<PlannedPiece> pieces;
  pieces.reserve(lengths.size());
  for (size_t d = 0; d < lengths.size(); ++d) {
    const int64_t length = lengths[d];
    const auto doc = static_cast<int64_t>(d);
    if (positions_of(length) <= capacity) {
      pieces.push_back({doc, 0, length, false});
      continue;
    }
    if (policy == OverflowPolicy::kError)
      throw Error("document " + std::to_string(d) + " has " + std::to_string(length) + " tokens (" +
                  std::to_string(length - 1) + " positions), more than a row of sequence_length " +
                  std::to_string(capacity) +
                  "; set overflow to split or drop, or raise sequence_length");
    if (policy == OverflowPolicy::kDrop) {
      ++plan.dropped_documents;
      continue;
    }
    ++plan.split_documents;
    // Pieces overlap by one token: the last token of a piece is the first input of the next,
    // so every target of the document is trained exactly once.
    for (int64_t begin = 0; begin + 1 < length; begin += capacity)
      pieces.push_back({doc, begin, std::min(length - begin, capacity + 1), begin > 0});
  }
  return pieces;
}

// Longest first; equal lengths in an order drawn from the seed (Fisher-Yates over MT19937-64,
// whose output the standard fixes, so plans agree across compilers).
void sort_decreasing(std::vector<PlannedPiece>& pieces, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = pieces.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap(pieces[i - 1], pieces[j]);
  }
  std::stable_sort(pieces.begin(), pieces.end(), [](const PlannedPiece& a, const PlannedPiece& b) {
    return a.tokens > b.tokens;
  });
}

}  // namespace

PackingPlan plan_best_fit_decreasing(std::span<const int64_t> lengths, int64_t capacity,
                                     OverflowPolicy policy, uint64_t seed) {
  if (capacity < 1) throw Error("packing: sequence_length must be at least 1");
  PackingPlan plan;
  std::vector<PlannedPiece> pieces = pieces_to_place(lengths, capacity, policy, plan);
  sort_decreasing(pieces, seed);
  // Rows by remaining positions: the best fit is the first row with room enough.
  std::multimap<int64_t, size_t> open;
  for (const PlannedPiece& piece : pieces) {
    const int64_t cost = positions_of(piece.tokens);
    plan.positions += cost;
    auto it = open.lower_bound(cost);
    size_t row;
    int64_t remaining;
    if (it == open.end()) {
      row = plan.rows.size();
      plan.rows.emplace_back();
      remaining = capacity;
    } else {
      row = it->second;
      remaining = it->first;
      open.erase(it);
    }
    plan.rows[row].push_back(piece);
    open.emplace(remaining - cost, row);
  }
  return plan;
}

PackingPlan plan_one_per_row(std::span<const int64_t> lengths, int64_t capacity,
                             OverflowPolicy policy) {
  if (capacity < 1) throw Error("packing: sequence_length must be at least 1");
  PackingPlan plan;
  for (const PlannedPiece& piece : pieces_to_place(lengths, capacity, policy, plan)) {
    plan.positions += positions_of(piece.tokens);
    plan.rows.push_back({piece});
  }
  return plan;
}

}  // namespace instill::data
