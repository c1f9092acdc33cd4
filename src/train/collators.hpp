#pragma once
// Collators (spec §8.6): gpt_2_llm_collator stacks samples and shifts them into inputs and
// targets; mask_loss_collator_wrapper keeps as targets only the tokens strictly between a
// "begin include-to-loss" marker and the next "end" marker. Unlike the reference, masking is
// checked per row: a row without any trainable token is counted (never a whole-batch skip or
// a NaN loss), and a malformed row is an error naming its dataset sample. Packed rows are
// shifted and masked per document: no target crosses from one document into the next.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "data/training_dataset.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "train/batch.hpp"

namespace instill::train {

// Per row, the documents packed in it (empty: rows read as single blocks).
using RowDocuments = std::vector<std::vector<data::RowDocument>>;

// Target of a position that trains nothing (the loss's ignore index).
constexpr int64_t kIgnoredTarget = -100;

class Collator : public config::Component {
 public:
  // `tokens` is [B, L] int64 on the CPU; `dataset_indices` names each row for errors. With
  // `documents`, row r holds those documents from its first token on (zeros after them).
  virtual Batch collate(const torch::Tensor& tokens, const std::vector<int64_t>& dataset_indices,
                        const RowDocuments& documents) const = 0;
  // The tokenizer whose token ids the collator works with (the training tokenizer), or null
  // when it needs none.
  virtual std::shared_ptr<const tokenizer::HfTokenizer> training_tokenizer() const {
    return nullptr;
  }
};

class Gpt2LlmCollator : public Collator {
 public:
  Gpt2LlmCollator(std::string sample_key, std::string target_key)
      : sample_key_(std::move(sample_key)), target_key_(std::move(target_key)) {}
  Batch collate(const torch::Tensor& tokens, const std::vector<int64_t>& dataset_indices,
                const RowDocuments& documents) const override;

 private:
  Batch collate_packed(const torch::Tensor& tokens, const std::vector<int64_t>& dataset_indices,
                       const RowDocuments& documents) const;
  std::string sample_key_, target_key_;
};

struct LossMaskResult {
  torch::Tensor masked;  // same shape/dtype as the targets
  int64_t rows_without_targets = 0;
};

// The marker state at the start of each document of a packed row: -1 for a document that
// starts afresh, otherwise the loss spans open at its first target, carried over from earlier
// pieces of a split document (the piece's first token, their last target, included).
using CarriedMarkers = std::vector<std::vector<int64_t>>;

struct MaskInput {
  torch::Tensor targets;                    // [B, L'] int64, CPU
  const DocumentLayout* layout = nullptr;   // packed rows: mask each document on its own
  const CarriedMarkers* carried = nullptr;  // per layout document; null: all -1
  int64_t begin_id = 0, end_id = 0, ignore_index = kIgnoredTarget;
};

// Masks the targets. Throws naming dataset_indices[row] for a row where an end marker comes
// before its begin marker or two begin markers nest.
LossMaskResult mask_targets(const MaskInput& in, const std::vector<int64_t>& dataset_indices);

// Data prepared in chat-template mode carries its loss mask: `trainable` [B, L] uint8 beside
// the token block. Keeps as targets only the tokens flagged 1, following the collator's shift
// (per document in packed rows), and recounts the rows left without targets.
void apply_stored_masks(Batch& batch, const torch::Tensor& trainable,
                        const RowDocuments& documents);

class MaskLossCollatorWrapper : public Collator {
 public:
  MaskLossCollatorWrapper(std::shared_ptr<Collator> wrapped, std::vector<std::string> target_keys,
                          int64_t begin_id, int64_t end_id, int64_t ignore_index);
  Batch collate(const torch::Tensor& tokens, const std::vector<int64_t>& dataset_indices,
                const RowDocuments& documents) const override;
  std::shared_ptr<const tokenizer::HfTokenizer> training_tokenizer() const override {
    return tokenizer;
  }

  // The tokenizer the marker tokens came from (the training tokenizer; may be null), and
  // the marker tokens themselves (begin, end).
  std::shared_ptr<const tokenizer::HfTokenizer> tokenizer;
  std::pair<std::string, std::string> marker_tokens;

 private:
  CarriedMarkers carried_markers(const torch::Tensor& tokens, const RowDocuments& documents,
                                 const std::vector<int64_t>& dataset_indices) const;
  int64_t padding_positions(const torch::Tensor& tokens) const;
  std::shared_ptr<Collator> wrapped_;
  std::vector<std::string> target_keys_;
  int64_t begin_id_, end_id_, ignore_index_;
};

}  // namespace instill::train
