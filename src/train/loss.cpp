#include "train/loss.hpp"

#include <algorithm>

namespace instill::train {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using torch::indexing::Slice;

int64_t rows_per_chunk(int64_t requested, int64_t vocab) {
  if (requested > 0) return requested;
  return std::max<int64_t>(1, (int64_t{1} << 25) / std::max<int64_t>(vocab, 1));
}

// Loss and (optionally) the gradients for the mean over valid rows.
struct ChunkedResult {
  torch::Tensor loss, grad_hidden, grad_weight;
};

// Only the rows with a target reach the LM head: a masked prompt token or a pad position
// costs nothing here (in SFT most positions are such), and the gradient of the other rows is 0.
ChunkedResult chunked_forward(const torch::Tensor& h, const torch::Tensor& w,
                              const torch::Tensor& targets, int64_t ignore_index, int64_t chunk,
                              bool want_grad) {
  torch::NoGradGuard no_grad;
  const torch::Tensor rows = (targets != ignore_index).nonzero().squeeze(1);
  const int64_t count = rows.size(0);
  torch::Tensor wf = w.to(torch::kFloat32);
  torch::Tensor total = torch::zeros({}, h.options().dtype(torch::kFloat32));
  ChunkedResult r;
  if (want_grad) {
    r.grad_hidden = torch::zeros_like(h);
    r.grad_weight = torch::zeros_like(wf);
  }
  if (count == 0) {
    r.loss = total;
    if (want_grad) r.grad_weight = r.grad_weight.to(w.scalar_type());
    return r;
  }
  const torch::Tensor hv = h.index_select(0, rows), tv = targets.index_select(0, rows);
  torch::Tensor grad_rows = want_grad ? torch::empty_like(hv) : torch::Tensor();
  const double inv = 1.0 / static_cast<double>(count);
  for (int64_t s = 0; s < count; s += chunk) {
    const int64_t e = std::min(count, s + chunk);
    torch::Tensor hc = hv.index({Slice(s, e)}).to(torch::kFloat32);
    torch::Tensor t = tv.index({Slice(s, e)});
    torch::Tensor logits = torch::matmul(hc, wf.t());  // [c, V]
    torch::Tensor lse = torch::logsumexp(logits, -1);
    torch::Tensor picked = logits.gather(1, t.unsqueeze(1)).squeeze(1);
    total += (lse - picked).sum();
    if (want_grad) {
      // d(mean loss)/d logits = (softmax - onehot) / count.
      torch::Tensor g = (logits - lse.unsqueeze(1)).exp_();
      g.scatter_add_(1, t.unsqueeze(1), -torch::ones({e - s, 1}, g.options()));
      g.mul_(inv);
      grad_rows.index_put_({Slice(s, e)}, torch::matmul(g, wf).to(h.scalar_type()));
      r.grad_weight.add_(torch::matmul(g.t(), hc));
    }
  }
  r.loss = total * inv;
  if (want_grad) {
    r.grad_hidden.index_copy_(0, rows, grad_rows);
    r.grad_weight = r.grad_weight.to(w.scalar_type());
  }
  return r;
}

class ChunkedLinearCrossEntropy : public torch::autograd::Function<ChunkedLinearCrossEntropy> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor hidden, torch::Tensor weight,
                               torch::Tensor targets, int64_t ignore_index, int64_t chunk) {
    ChunkedResult r = chunked_forward(hidden, weight, targets, ignore_index, chunk, true);
    ctx->save_for_backward({r.grad_hidden, r.grad_weight});
    return r.loss;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    torch::Tensor g = grad_out[0];
    return {saved[0] * g.to(saved[0].scalar_type()), saved[1] * g.to(saved[1].scalar_type()),
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor ClmCrossEntropyLoss::operator()(const torch::Tensor& hidden,
                                              const torch::Tensor& lm_head,
                                              const torch::Tensor& targets) const {
  const int64_t e = hidden.size(-1);
  torch::Tensor h = hidden.reshape({-1, e});
  torch::Tensor t = targets.to(hidden.device(), torch::kInt64).reshape({-1});
  TORCH_CHECK(h.size(0) == t.size(0), "loss: ", h.size(0), " predictions but ", t.size(0),
              " targets");
  if (o_.chunk_rows < 0) {  // naive: the full logits, as the reference computes them
    torch::Tensor logits = torch::matmul(h, lm_head.t()).to(torch::kFloat32);
    if ((t != o_.ignore_index).sum().item<int64_t>() == 0) return (logits.sum() * 0.0);
    return torch::nn::functional::cross_entropy(
        logits, t, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(o_.ignore_index));
  }
  const int64_t chunk = rows_per_chunk(o_.chunk_rows, lm_head.size(0));
  const bool grad = torch::GradMode::is_enabled() && (h.requires_grad() || lm_head.requires_grad());
  if (!grad) return chunked_forward(h, lm_head, t, o_.ignore_index, chunk, false).loss;
  return ChunkedLinearCrossEntropy::apply(h, lm_head, t, o_.ignore_index, chunk);
}

}  // namespace instill::train
