#include "data/packed_dataset.hpp"

#include "core/error.hpp"

namespace instill::data {

PackedDatasetContinuous::PackedDatasetContinuous(const std::filesystem::path& pbin,
                                                 int64_t sequence_length, std::string sample_key,
                                                 bool reuse_last_target)
    : reader_(pbin, /*load_index=*/false),
      mask_(stored_mask_of(reader_)),
      block_size_(reuse_last_target ? sequence_length + 1 : sequence_length),
      stride_(reuse_last_target ? block_size_ - 1 : block_size_),
      sample_key_(std::move(sample_key)) {
  const auto total = static_cast<int64_t>(reader_.num_tokens());
  if (total < block_size_)
    throw Error(pbin.string() + ": block size " + std::to_string(block_size_) +
                " is larger than the " + std::to_string(total) +
                " tokens in the dataset; use a smaller sequence_length or more data");
  if (block_size_ < 2)
    throw Error("block size must be at least 2, got " + std::to_string(block_size_));
  num_samples_ = static_cast<size_t>(reuse_last_target ? (total - block_size_) / stride_ + 1
                                                       : total / block_size_);
}

void PackedDatasetContinuous::sample_into(int64_t i, uint32_t* out) const {
  const auto n = static_cast<int64_t>(num_samples_);
  if (i < 0) i += n;
  if (i < 0 || i >= n)
    throw Error(reader_.path().string() + ": sample " + std::to_string(i) + " out of range (" +
                std::to_string(n) + " samples)");
  const auto begin = static_cast<uint64_t>(i * stride_);
  reader_.read_tokens(begin, begin + static_cast<uint64_t>(block_size_), out);
}

void PackedDatasetContinuous::read_row(int64_t i, TokenRow& out) const {
  out.tokens.resize(static_cast<size_t>(block_size_));
  out.documents.clear();
  sample_into(i, out.tokens.data());
  out.trainable.clear();
  if (mask_) {
    const auto begin =
        static_cast<uint64_t>((i < 0 ? i + static_cast<int64_t>(num_samples_) : i) * stride_);
    const auto flags = mask_->flags(begin, begin + static_cast<uint64_t>(block_size_));
    out.trainable.assign(flags.begin(), flags.end());
  }
}

std::vector<uint32_t> PackedDatasetContinuous::sample(int64_t i) const {
  std::vector<uint32_t> out(static_cast<size_t>(block_size_));
  sample_into(i, out.data());
  return out;
}

}  // namespace instill::data
