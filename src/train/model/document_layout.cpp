#include "train/model/document_layout.hpp"

#include "core/error.hpp"

namespace instill::train {

torch::Tensor DocumentLayout::position_ids(int64_t length) const {
  torch::Tensor out = torch::zeros({static_cast<int64_t>(rows.size()), length}, torch::kInt64);
  int64_t* p = out.data_ptr<int64_t>();
  for (size_t r = 0; r < rows.size(); ++r) {
    int64_t* row = p + static_cast<int64_t>(r) * length;
    int64_t at = 0;
    for (const DocumentSpan& d : rows[r]) {
      if (at + d.length > length)
        throw Error("internal: packed row " + std::to_string(r) + " holds more than " +
                    std::to_string(length) + " positions");
      for (int64_t i = 0; i < d.length; ++i) row[at + i] = i;
      at += d.length;
    }
  }
  return out;
}

int64_t DocumentLayout::document_positions() const {
  int64_t n = 0;
  for (const auto& row : rows)
    for (const DocumentSpan& d : row) n += d.length;
  return n;
}

torch::Tensor attend_per_document(const DocumentLayout& layout, const torch::Tensor& q,
                                  const torch::Tensor& k, const torch::Tensor& v,
                                  const SequenceAttention& attend) {
  const int64_t B = q.size(0), L = q.size(2);
  TORCH_CHECK(static_cast<int64_t>(layout.rows.size()) == B, "document layout has ",
              layout.rows.size(), " rows for a batch of ", B);
  std::vector<torch::Tensor> rows;
  rows.reserve(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    torch::Tensor qb = q.narrow(0, b, 1), kb = k.narrow(0, b, 1), vb = v.narrow(0, b, 1);
    std::vector<torch::Tensor> pieces;
    int64_t at = 0;
    for (const DocumentSpan& d : layout.rows[static_cast<size_t>(b)]) {
      if (d.length == 0) continue;
      pieces.push_back(attend(qb.narrow(2, at, d.length), kb.narrow(2, at, d.length),
                              vb.narrow(2, at, d.length)));
      at += d.length;
    }
    if (at < L) pieces.push_back(torch::zeros({1, q.size(1), L - at, q.size(3)}, q.options()));
    rows.push_back(pieces.size() == 1 ? pieces[0] : torch::cat(pieces, 2));
  }
  return B == 1 ? rows[0] : torch::cat(rows, 0);
}

}  // namespace instill::train
