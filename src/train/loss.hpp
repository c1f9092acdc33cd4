#pragma once
// loss/clm_cross_entropy_loss (spec §8.7): mean over non-ignored positions of the token
// cross entropy. The LM head is applied here, a chunk of rows at a time, with the gradient
// formed in the same pass (softmax minus one-hot), so the full [tokens, vocab] fp32 logits
// are never held at once: for a 151k vocabulary that is the difference between a few
// hundred MB and many GB. Only positions with a target reach the LM head (masked prompts and
// padding cost nothing there). A micro-batch without a single target contributes 0 (never NaN).
#include <torch/torch.h>

#include <string>

#include "config/component.hpp"

namespace instill::train {

struct ClmLossOptions {
  std::string target_key = "target_ids";
  std::string prediction_key = "logits";
  int64_t ignore_index = -100;
  // Rows of logits formed at once; 0 = automatic (about 128 MB of fp32 logits per chunk),
  // -1 = the naive full-logits computation (kept to measure the difference).
  int64_t chunk_rows = 0;
  // How the trainer weighs micro-batches. kMicroBatchMean (the reference): each micro-batch's
  // mean over its trainable tokens, averaged over the accumulation steps. kStepTokenMean: the
  // mean over every trainable token of the optimizer step, across accumulation steps and
  // ranks, so that a token counts the same whichever row it sits in (what packing needs, as
  // packed rows hold different numbers of trainable tokens).
  enum class Normalization {
    kMicroBatchMean,
    kStepTokenMean
  } normalization = Normalization::kMicroBatchMean;
};

class ClmCrossEntropyLoss : public config::Component {
 public:
  explicit ClmCrossEntropyLoss(ClmLossOptions o) : o_(std::move(o)) {}
  // hidden [B, L, E] (any float dtype), lm_head [V, E], targets [B, L] integer.
  // Returns the scalar mean loss (fp32) with gradients to hidden and lm_head.
  torch::Tensor operator()(const torch::Tensor& hidden, const torch::Tensor& lm_head,
                           const torch::Tensor& targets) const;
  const ClmLossOptions& options() const { return o_; }

 private:
  ClmLossOptions o_;
};

}  // namespace instill::train
