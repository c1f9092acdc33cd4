#pragma once
// One collated micro-batch: named input tensors (`samples`), named target tensors
// (`targets`), the document layout of packed rows, and bookkeeping the trainer reports
// (rows the loss mask left empty, padding).
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "train/model/document_layout.hpp"

namespace instill::train {

struct Batch {
  std::map<std::string, torch::Tensor> samples;
  std::map<std::string, torch::Tensor> targets;
  int64_t size = 0;                      // rows (len(batch) in the reference)
  int64_t rows_without_targets = 0;      // rows whose every target is ignored
  std::vector<int64_t> dataset_indices;  // which dataset samples the rows are
  // Packed rows: the documents of each row (attention, positions and loss stay inside each).
  DocumentLayout layout;
  // Input positions that hold no document token: the filler after a packed row's documents,
  // and (when the collator knows the pad token) the inner positions of a trailing pad run.
  int64_t padding_positions = 0;

  const torch::Tensor& sample(const std::string& key) const;
  const torch::Tensor& target(const std::string& key) const;
  Batch to(const torch::Device& device) const;
};

}  // namespace instill::train
