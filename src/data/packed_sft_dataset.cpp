#include "data/packed_sft_dataset.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"

namespace instill::data {

namespace {

// Token count once the trailing padding is gone. A pad token that a stored mask trains (an
// end of turn that is also the pad token) is not padding.
int64_t unpadded_length(const PbinReader& reader, const std::optional<TokenMaskReader>& mask,
                        uint64_t start, int64_t length, const PackedSftOptions& o) {
  if (!o.pad_token_id) return length;
  const uint32_t pad = *o.pad_token_id;
  auto trained = [&](int64_t k) {
    const uint64_t at = start + static_cast<uint64_t>(k);
    return mask && mask->flags(at, at + 1)[0] == 1;
  };
  int64_t n = length;
  while (n > 0 && reader.token(start + static_cast<uint64_t>(n - 1)) == pad && !trained(n - 1)) --n;
  if (n < length && o.eod_token_id == o.pad_token_id) ++n;  // the document's own end token
  return n;
}

PbinReader open_with_index(const std::filesystem::path& pbin) {
  if (PbinReader(pbin, /*load_index=*/false).index_bytes().empty())
    throw Error(pbin.string() +
                ": no document index; packing needs the per-document index that "
                "pack_encoded_data and prepare_instruction_tuning_data write");
  return PbinReader(pbin, /*load_index=*/true);
}

}  // namespace

PackedSftDataset::PackedSftDataset(const std::filesystem::path& pbin, PackedSftOptions options)
    : reader_(open_with_index(pbin)), mask_(stored_mask_of(reader_)), options_(std::move(options)) {
  if (reader_.num_documents() == 0) throw Error(pbin.string() + ": the index lists no documents");
  const auto width = static_cast<uint64_t>(reader_.token_size());
  for (const auto& [offset, bytes] : reader_.index()) {
    const uint64_t start = offset / width;
    starts_.push_back(start);
    lengths_.push_back(
        unpadded_length(reader_, mask_, start, static_cast<int64_t>(bytes / width), options_));
  }
  try {
    plan_ = options_.packing == PackedSftOptions::Packing::kNone
                ? plan_one_per_row(lengths_, options_.sequence_length, options_.overflow)
                : plan_best_fit_decreasing(lengths_, options_.sequence_length, options_.overflow,
                                           options_.seed);
  } catch (const Error& e) {
    throw Error(pbin.string() + ": " + e.what());
  }
  if (plan_.rows.empty())
    throw Error(pbin.string() + ": no rows to train on (every document was dropped)");
}

void PackedSftDataset::read_row(int64_t i, TokenRow& out) const {
  const auto n = static_cast<int64_t>(plan_.rows.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n)
    throw Error(reader_.path().string() + ": packed row " + std::to_string(i) + " out of range (" +
                std::to_string(n) + " rows)");
  const auto& row = plan_.rows[static_cast<size_t>(i)];
  int64_t total = 0;
  for (const PlannedPiece& p : row) total += p.tokens;
  out.tokens.resize(static_cast<size_t>(total));
  out.trainable.resize(mask_ ? static_cast<size_t>(total) : 0);
  out.documents.clear();
  uint32_t* dst = out.tokens.data();
  uint8_t* flags = out.trainable.data();
  for (const PlannedPiece& p : row) {
    const uint64_t start = starts_[static_cast<size_t>(p.document)];
    const uint64_t begin = start + static_cast<uint64_t>(p.begin);
    reader_.read_tokens(begin, begin + static_cast<uint64_t>(p.tokens), dst);
    dst += p.tokens;
    if (mask_) {
      const auto piece = mask_->flags(begin, begin + static_cast<uint64_t>(p.tokens));
      flags = std::copy(piece.begin(), piece.end(), flags);
    }
    RowDocument doc{p.tokens, {}};
    if (p.continuation) doc.preceding = reader_.tokens(start, begin);
    out.documents.push_back(std::move(doc));
  }
}

std::string PackedSftDataset::summary() const {
  const double capacity =
      static_cast<double>(plan_.rows.size()) * static_cast<double>(options_.sequence_length);
  char fill[32];
  std::snprintf(fill, sizeof fill, "%.1f%%",
                100.0 * static_cast<double>(plan_.positions) / capacity);
  return reader_.path().filename().string() + ": " + std::to_string(lengths_.size()) +
         " documents packed (" +
         (options_.packing == PackedSftOptions::Packing::kNone ? "one per row"
                                                               : "best fit decreasing") +
         ") into " + std::to_string(plan_.rows.size()) + " rows of " +
         std::to_string(options_.sequence_length) + " positions, " + fill + " filled; " +
         std::to_string(plan_.dropped_documents) + " dropped, " +
         std::to_string(plan_.split_documents) +
         " split (overflow: " + to_string(options_.overflow) + ")" +
         (mask_ ? "; loss mask from " + mask_->path().filename().string() : "");
}

}  // namespace instill::data
