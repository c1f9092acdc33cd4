#include "train/collators.hpp"

#include "core/error.hpp"

namespace instill::train {

using torch::indexing::None;
using torch::indexing::Slice;

Batch Gpt2LlmCollator::collate(const torch::Tensor& tokens,
                               const std::vector<int64_t>& dataset_indices,
                               const RowDocuments& documents) const {
  if (tokens.dim() != 2 || tokens.size(1) < 2)
    throw Error("gpt_2_llm_collator: expected a [batch, length >= 2] token block");
  if (!documents.empty()) return collate_packed(tokens, dataset_indices, documents);
  Batch b;
  b.samples[sample_key_] = tokens.index({Slice(), Slice(None, -1)}).contiguous();
  b.targets[target_key_] = tokens.index({Slice(), Slice(1, None)}).contiguous();
  b.size = tokens.size(0);
  b.dataset_indices = dataset_indices;
  return b;
}

namespace {

// Calls fn(at, j) for each (input, target) pair of a packed row: collated position `at` reads
// the row's token j and predicts token j + 1. Each document of L tokens gives L - 1 pairs,
// placed one after another.
template <class Fn>
void for_each_packed_pair(const std::vector<data::RowDocument>& documents, Fn&& fn) {
  int64_t at = 0, offset = 0;
  for (const data::RowDocument& d : documents) {
    for (int64_t j = 0; j + 1 < d.tokens; ++j, ++at) fn(at, offset + j);
    offset += d.tokens;
  }
}

}  // namespace

// The block is as wide as the fullest row, the rest of each row filler that trains nothing.
Batch Gpt2LlmCollator::collate_packed(const torch::Tensor& tokens,
                                      const std::vector<int64_t>& dataset_indices,
                                      const RowDocuments& documents) const {
  const int64_t rows = tokens.size(0), len = tokens.size(1);
  TORCH_CHECK(static_cast<int64_t>(documents.size()) == rows && tokens.is_contiguous());
  Batch b;
  b.layout.rows.resize(documents.size());
  int64_t width = 1;
  for (size_t r = 0; r < documents.size(); ++r) {
    int64_t used = 0, positions = 0;
    for (const data::RowDocument& d : documents[r]) {
      used += d.tokens;
      positions += std::max<int64_t>(d.tokens - 1, 0);
      b.layout.rows[r].push_back({std::max<int64_t>(d.tokens - 1, 0)});
    }
    if (used > len)
      throw Error("gpt_2_llm_collator: packed row " + std::to_string(r) + " lists " +
                  std::to_string(used) + " document tokens in a block of " + std::to_string(len));
    width = std::max(width, positions);
  }
  torch::Tensor inputs = torch::zeros({rows, width}, torch::kInt64);
  torch::Tensor targets = torch::full({rows, width}, kIgnoredTarget, torch::kInt64);
  const int64_t* src = tokens.data_ptr<int64_t>();
  int64_t *in = inputs.data_ptr<int64_t>(), *out = targets.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* row = src + r * len;
    for_each_packed_pair(documents[static_cast<size_t>(r)], [&](int64_t at, int64_t j) {
      in[r * width + at] = row[j];
      out[r * width + at] = row[j + 1];
    });
  }
  b.samples[sample_key_] = inputs;
  b.targets[target_key_] = targets;
  b.size = rows;
  b.dataset_indices = dataset_indices;
  b.padding_positions = rows * width - b.layout.document_positions();
  return b;
}

namespace {

std::string row_name(int64_t row, const std::vector<int64_t>& dataset_indices) {
  return row < static_cast<int64_t>(dataset_indices.size())
             ? "dataset sample " + std::to_string(dataset_indices[static_cast<size_t>(row)])
             : "batch row " + std::to_string(row);
}

[[noreturn]] void throw_marker_error(const std::string& where, int64_t position, int64_t open) {
  throw Error(where + ", target position " + std::to_string(position) + ": " +
              (open < 0 ? "an end-of-loss marker comes before its begin marker"
                        : "two begin-of-loss markers without an end marker between them") +
              "; each sequence must hold whole conversations (use truncation and padding "
              "with the packed continuous dataset, or the packed SFT dataset)");
}

// Masks the positions [at, at + n) of one row as one document; returns the kept count.
// `open` spans are open at its first target (0 for a document that starts afresh, whose first
// input token is not looked at, as in the reference).
int64_t mask_document(const int64_t* x, int64_t* y, int64_t at, int64_t n, int64_t open,
                      const MaskInput& in, const std::string& where) {
  int64_t c = open, kept = 0;
  for (int64_t j = at; j < at + n; ++j) {
    if (j > at && x[j - 1] == in.begin_id) ++c;
    if (x[j] == in.end_id) --c;
    if (c < 0 || c > 1) throw_marker_error(where, j, c);
    if (c == 1) {
      y[j] = x[j];
      ++kept;
    }
  }
  return kept;
}

}  // namespace

LossMaskResult mask_targets(const MaskInput& in, const std::vector<int64_t>& dataset_indices) {
  const torch::Tensor& targets = in.targets;
  TORCH_CHECK(targets.dim() == 2 && targets.scalar_type() == torch::kInt64 &&
              targets.device().is_cpu());
  torch::Tensor t = targets.contiguous();
  torch::Tensor out = torch::full_like(t, in.ignore_index);
  const int64_t rows = t.size(0), len = t.size(1);
  LossMaskResult r;
  for (int64_t row = 0; row < rows; ++row) {
    const std::string where = row_name(row, dataset_indices);
    const int64_t* x = t.data_ptr<int64_t>() + row * len;
    int64_t* y = out.data_ptr<int64_t>() + row * len;
    int64_t kept = 0;
    if (in.layout && in.layout->packed()) {
      const auto& docs = in.layout->rows[static_cast<size_t>(row)];
      int64_t at = 0;
      for (size_t d = 0; d < docs.size(); ++d) {
        const int64_t carried = in.carried ? (*in.carried)[static_cast<size_t>(row)][d] : -1;
        kept += mask_document(x, y, at, docs[d].length, std::max<int64_t>(carried, 0), in,
                              where + ", document " + std::to_string(d));
        at += docs[d].length;
      }
    } else {
      kept = mask_document(x, y, 0, len, 0, in, where);
    }
    if (kept == 0) ++r.rows_without_targets;
  }
  r.masked = out;
  return r;
}

void apply_stored_masks(Batch& batch, const torch::Tensor& trainable,
                        const RowDocuments& documents) {
  TORCH_CHECK(trainable.dim() == 2 && trainable.scalar_type() == torch::kUInt8 &&
              trainable.is_contiguous());
  const int64_t rows = trainable.size(0), len = trainable.size(1);
  for (auto& [key, targets] : batch.targets) {
    torch::Tensor keep;
    if (documents.empty()) {
      keep = trainable.index({Slice(), Slice(1, None)});
    } else {
      keep = torch::zeros_like(targets, torch::kUInt8);
      const uint8_t* src = trainable.data_ptr<uint8_t>();
      uint8_t* dst = keep.data_ptr<uint8_t>();
      const int64_t width = keep.size(1);
      for (int64_t r = 0; r < rows; ++r)
        for_each_packed_pair(documents[static_cast<size_t>(r)], [&](int64_t at, int64_t j) {
          dst[r * width + at] = src[r * len + j + 1];
        });
    }
    TORCH_CHECK(keep.sizes() == targets.sizes(), "stored mask and targets differ in shape");
    targets = targets.masked_fill(keep.eq(0), kIgnoredTarget);
    batch.rows_without_targets =
        targets.ne(kIgnoredTarget).any(1).logical_not().sum().item<int64_t>();
  }
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

// For each later piece of a split document: the loss spans open at its first target (the
// marker rule run over the tokens before the piece and its first token, which, as the
// previous target, may open one more).
CarriedMarkers MaskLossCollatorWrapper::carried_markers(
    const torch::Tensor& tokens, const RowDocuments& documents,
    const std::vector<int64_t>& dataset_indices) const {
  CarriedMarkers carried(documents.size());
  for (size_t r = 0; r < documents.size(); ++r) {
    const int64_t* row = tokens.data_ptr<int64_t>() + static_cast<int64_t>(r) * tokens.size(1);
    for (const data::RowDocument& d : documents[r]) {
      if (d.preceding.empty()) {
        carried[r].push_back(-1);
      } else {
        std::vector<int64_t> x(d.preceding.begin() + 1, d.preceding.end());
        x.push_back(row[0]);
        int64_t c = 0;
        for (size_t t = 0; t < x.size(); ++t) {
          if (t >= 1 && x[t - 1] == begin_id_) ++c;
          if (x[t] == end_id_) --c;
          if (c < 0 || c > 1)
            throw_marker_error(row_name(static_cast<int64_t>(r), dataset_indices) +
                                   " (before a split document's piece)",
                               static_cast<int64_t>(t), c);
        }
        if (x.back() == begin_id_) ++c;
        carried[r].push_back(c);
      }
      row += d.tokens;
    }
  }
  return carried;
}

// Inner positions of trailing pad runs: input and target both the pad token.
int64_t MaskLossCollatorWrapper::padding_positions(const torch::Tensor& tokens) const {
  const auto pad = tokenizer ? tokenizer->special_token_id("pad_token") : std::nullopt;
  if (!pad) return 0;
  torch::Tensor is_pad = tokens == static_cast<int64_t>(*pad);
  return is_pad.index({Slice(), Slice(None, -1)})
      .logical_and(is_pad.index({Slice(), Slice(1, None)}))
      .sum()
      .item<int64_t>();
}

Batch MaskLossCollatorWrapper::collate(const torch::Tensor& tokens,
                                       const std::vector<int64_t>& dataset_indices,
                                       const RowDocuments& documents) const {
  Batch b = wrapped_->collate(tokens, dataset_indices, documents);
  const CarriedMarkers carried =
      documents.empty() ? CarriedMarkers{} : carried_markers(tokens, documents, dataset_indices);
  if (documents.empty()) b.padding_positions += padding_positions(tokens);
  for (const auto& key : target_keys_) {
    MaskInput in;
    in.targets = b.target(key);
    if (b.layout.packed()) {
      in.layout = &b.layout;
      in.carried = &carried;
    }
    in.begin_id = begin_id_;
    in.end_id = end_id_;
    in.ignore_index = ignore_index_;
    LossMaskResult r = mask_targets(in, dataset_indices);
    b.targets[key] = r.masked;
    b.rows_without_targets = std::max(b.rows_without_targets, r.rows_without_targets);
  }
  return b;
}

}  // namespace instill::train
