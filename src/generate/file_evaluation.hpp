#pragma once
// `instill evaluate`: the loss of a model on every trainable token of a .pbin, computed on
// packed rows (best fit decreasing, attention and positions per document) or one document
// at a time. Both give the same loss: it is the mean over the file's trainable tokens, which
// does not depend on how the documents are grouped. Which tokens are trainable comes from
// the loss markers the checkpoint was trained with (loss_markers.json) or from the options;
// without markers every target is.
#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>

#include "core/value.hpp"

namespace instill::generate {

struct FileEvaluationOptions {
  std::string model;  // checkpoint folder, checkpoint root or Hugging Face model directory
  std::string data;   // .pbin with its document index
  bool packed = false;
  int64_t sequence_length = 0;   // row capacity in positions; 0: the model's (else 2048)
  int64_t micro_batch_size = 8;  // packed rows per forward pass
  std::string device = "cpu";
  std::optional<std::pair<std::string, std::string>> loss_markers;  // begin, end
  std::optional<int64_t> pad_token_id;  // default: the model tokenizer's pad token
};

struct FileEvaluation {
  double loss = 0;  // mean over all trainable tokens
  int64_t trainable_tokens = 0, documents = 0, rows = 0;
  double tokens_per_s = 0;  // trainable tokens per second
  Value to_json() const;
};

FileEvaluation evaluate_file(const FileEvaluationOptions& options);

}  // namespace instill::generate
