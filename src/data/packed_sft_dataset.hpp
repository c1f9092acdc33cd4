#pragma once
// dataset/packed_sft_dataset: the documents of a .pbin (through its index) packed into rows
// of `sequence_length` input positions with best-fit-decreasing, so that training computes
// on conversations instead of padding. Padded files from prepare_instruction_tuning_data
// work as they are: a document's trailing run of `pad_token_id` is dropped (one kept when
// the pad token is also the end-of-document token). Each row lists its documents, so the
// model attends, positions and masks within each one; the sampler shuffles the rows.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/packing_plan.hpp"
#include "data/pbin.hpp"
#include "data/token_mask_file.hpp"
#include "data/training_dataset.hpp"

namespace instill::data {

struct PackedSftOptions {
  int64_t sequence_length = 0;  // input positions per row (the model's context length)
  std::string sample_key = "input_ids";
  std::optional<uint32_t> pad_token_id;
  std::optional<uint32_t> eod_token_id;
  OverflowPolicy overflow = OverflowPolicy::kError;
  // kBestFitDecreasing packs; kNone keeps one document per row (no padding either).
  enum class Packing { kBestFitDecreasing, kNone } packing = Packing::kBestFitDecreasing;
  uint64_t seed = 0;
  std::shared_ptr<const tokenizer::HfTokenizer> tokenizer;  // the configured one, if any
};

class PackedSftDataset : public TrainingDataset {
 public:
  PackedSftDataset(const std::filesystem::path& pbin, PackedSftOptions options);

  size_t size() const override { return plan_.rows.size(); }
  void read_row(int64_t i, TokenRow& out) const override;
  int64_t max_input_positions() const override { return options_.sequence_length; }
  bool has_stored_masks() const override { return mask_.has_value(); }
  std::optional<std::string> stored_chat_template() const override {
    if (!mask_) return std::nullopt;
    return std::string(mask_->chat_template());
  }
  std::shared_ptr<const tokenizer::HfTokenizer> tokenizer() const override {
    return options_.tokenizer;
  }

  const PackingPlan& plan() const { return plan_; }
  const PackedSftOptions& options() const { return options_; }
  // Token counts of the documents after dropping their padding.
  const std::vector<int64_t>& document_lengths() const { return lengths_; }
  int64_t documents() const { return static_cast<int64_t>(lengths_.size()); }
  // One line for the log: documents, rows, fill, dropped and split documents.
  std::string summary() const;

 private:
  PbinReader reader_;
  std::optional<TokenMaskReader> mask_;  // the pbin's .mask, when data preparation wrote one
  PackedSftOptions options_;
  std::vector<uint64_t> starts_;  // first token of each document in the data section
  std::vector<int64_t> lengths_;
  PackingPlan plan_;
};

}  // namespace instill::data
