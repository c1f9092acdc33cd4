#pragma once
// Modalities' packed_mem_map_dataset_continuous (spec §7.3): the data section of a .pbin
// read as one token stream and cut into blocks of sequence_length (+1 when the last
// target is reused, consecutive blocks then overlap by one token). Document boundaries
// are ignored, as in the reference.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/pbin.hpp"
#include "data/token_mask_file.hpp"
#include "data/training_dataset.hpp"

namespace instill::data {

class PackedDatasetContinuous : public TrainingDataset {
 public:
  PackedDatasetContinuous(const std::filesystem::path& pbin, int64_t sequence_length,
                          std::string sample_key, bool reuse_last_target);

  size_t size() const override { return num_samples_; }
  void read_row(int64_t i, TokenRow& out) const override;
  int64_t max_input_positions() const override { return block_size_ - 1; }
  bool has_stored_masks() const override { return mask_.has_value(); }
  std::optional<std::string> stored_chat_template() const override {
    if (!mask_) return std::nullopt;
    return std::string(mask_->chat_template());
  }
  int64_t block_size() const { return block_size_; }
  const std::string& sample_key() const { return sample_key_; }
  // Tokens of sample i (negative i counts from the end, as Python indexing).
  std::vector<uint32_t> sample(int64_t i) const;
  void sample_into(int64_t i, uint32_t* out) const;
  const PbinReader& reader() const { return reader_; }

 private:
  PbinReader reader_;
  std::optional<TokenMaskReader> mask_;  // the pbin's .mask, when data preparation wrote one
  int64_t block_size_;
  int64_t stride_;
  size_t num_samples_;
  std::string sample_key_;
};

}  // namespace instill::data
