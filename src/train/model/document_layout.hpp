#pragma once
// Where the documents of a packed micro-batch lie. A packed row holds several documents one
// after another; each token attends only to earlier tokens of its own document and positions
// restart at 0 for each, so a packed row computes exactly what its documents would compute
// one at a time. Positions after a row's last document are filler (no loss, no attention).
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace instill::train {

struct DocumentSpan {
  int64_t length = 0;  // input positions
};

struct DocumentLayout {
  // Per row, its documents in order from position 0. Empty: unpacked rows, each one causal
  // sequence.
  std::vector<std::vector<DocumentSpan>> rows;

  bool packed() const { return !rows.empty(); }
  // [B, length] int64 (CPU): positions restarting at 0 for each document; filler gets 0.
  torch::Tensor position_ids(int64_t length) const;
  // Positions covered by documents, over all rows.
  int64_t document_positions() const;
};

// Attention of one sequence: q [1, Hq, L, D], k and v [1, Hkv, L, D] -> [1, Hq, L, D].
using SequenceAttention =
    std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&)>;

// Runs `attend` on each document of each row of q [B, Hq, L, D], k, v [B, Hkv, L, D] and
// stitches the results into [B, Hq, L, D]; filler positions get zeros. The work is
// O(sum of L_i^2) per row instead of L^2.
torch::Tensor attend_per_document(const DocumentLayout& layout, const torch::Tensor& q,
                                  const torch::Tensor& k, const torch::Tensor& v,
                                  const SequenceAttention& attend);

}  // namespace instill::train
