#include "train/collators.hpp"

#include "core/error.hpp"

namespace instill::train {

using torch::indexing::None;
using torch::indexing::Slice;

Batch Gpt2LlmCollator::collate(const torch::Tensor& tokens,
                               const std::vector<int64_t>& dataset_indices) const {
  if (tokens.dim() != 2 || tokens.size(1) < 2)
    throw Error("gpt_2_llm_collator: expected a [batch, length >= 2] token block");
  Batch b;
  b.samples[sample_key_] = tokens.index({Slice(), Slice(None, -1)}).contiguous();
  b.targets[target_key_] = tokens.index({Slice(), Slice(1, None)}).contiguous();
  b.size = tokens.size(0);
  b.dataset_indices = dataset_indices;
  return b;
}

LossMaskResult mask_targets(const torch::Tensor& targets, int64_t begin_id, int64_t end_id,
                            int64_t ignore_index, const std::vector<int64_t>& dataset_indices) {
  TORCH_CHECK(targets.dim() == 2 && targets.scalar_type() == torch::kInt64 &&
              targets.device().is_cpu());
  torch::Tensor t = targets.contiguous();
  torch::Tensor out = torch::full_like(t, ignore_index);
  const int64_t rows = t.size(0), len = t.size(1);
  const int64_t* in = t.data_ptr<int64_t>();
  int64_t* o = out.data_ptr<int64_t>();
  LossMaskResult r;
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t* x = in + row * len;
    int64_t* y = o + row * len;
    // c[j] = #begin markers at positions < j minus #end markers at positions <= j.
    int64_t c = 0, kept = 0;
    for (int64_t j = 0; j < len; ++j) {
      if (j >= 1 && x[j - 1] == begin_id) ++c;
      if (x[j] == end_id) --c;
      if (c < 0 || c > 1) {
        const std::string sample =
            row < static_cast<int64_t>(dataset_indices.size())
                ? "dataset sample " + std::to_string(dataset_indices[static_cast<size_t>(row)])
                : "batch row " + std::to_string(row);
        throw Error(sample + ", target position " + std::to_string(j) + ": " +
                    (c < 0 ? "an end-of-loss marker comes before its begin marker"
                           : "two begin-of-loss markers without an end marker between them") +
                    "; each sequence must hold whole conversations (use truncation and padding "
                    "with the packed continuous dataset)");
      }
      if (c == 1) {
        y[j] = x[j];
        ++kept;
      }
    }
    if (kept == 0) ++r.rows_without_targets;
  }
  r.masked = out;
  return r;
}

MaskLossCollatorWrapper::MaskLossCollatorWrapper(std::shared_ptr<Collator> wrapped,
                                                 std::vector<std::string> target_keys,
                                                 int64_t begin_id, int64_t end_id,
                                                 int64_t ignore_index)
    : wrapped_(std::move(wrapped)),
      target_keys_(std::move(target_keys)),
      begin_id_(begin_id),
      end_id_(end_id),
      ignore_index_(ignore_index) {
  if (begin_id_ == end_id_)
    throw Error(
        "b_mask_token_id and e_mask_token_id of the LossMaskingCollateFnWrapper must be "
        "different!");
}

Batch MaskLossCollatorWrapper::collate(const torch::Tensor& tokens,
                                       const std::vector<int64_t>& dataset_indices) const {
  Batch b = wrapped_->collate(tokens, dataset_indices);
  for (const auto& key : target_keys_) {
    LossMaskResult r =
        mask_targets(b.target(key), begin_id_, end_id_, ignore_index_, dataset_indices);
    b.targets[key] = r.masked;
    b.rows_without_targets = std::max(b.rows_without_targets, r.rows_without_targets);
  }
  return b;
}

}  // namespace instill::train
