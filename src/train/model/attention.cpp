#include "train/model/attention.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace instill::train {

using torch::indexing::Slice;

torch::Tensor rope_inverse_frequencies(int64_t head_dim, double theta, const RopeScaling& scaling) {
  torch::Tensor inv = 1.0 / torch::pow(torch::tensor(theta, torch::kFloat64).to(torch::kFloat32),
                                       torch::arange(0, head_dim, 2, torch::kFloat32) /
                                           static_cast<double>(head_dim));
  switch (scaling.type) {
    case RopeScaling::Type::kNone:
      return inv;
    case RopeScaling::Type::kLinear:
      return inv / scaling.factor;
    case RopeScaling::Type::kLlama3: {
      // Long wavelengths are slowed by `factor`, short ones kept, the band between blended.
      const double old_len = static_cast<double>(scaling.original_max_position_embeddings);
      const double low_wavelen = old_len / scaling.low_freq_factor;
      const double high_wavelen = old_len / scaling.high_freq_factor;
      torch::Tensor wavelen = 2 * std::numbers::pi / inv;
      torch::Tensor scaled = torch::where(wavelen > low_wavelen, inv / scaling.factor, inv);
      torch::Tensor smooth = (old_len / wavelen - scaling.low_freq_factor) /
                             (scaling.high_freq_factor - scaling.low_freq_factor);
      torch::Tensor blended = (1 - smooth) * scaled / scaling.factor + smooth * scaled;
      torch::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
      return torch::where(medium, blended, scaled);
    }
  }
  return inv;
}

namespace {

// x * cos + rotate_half(x) * sin, the angles [..., L, D / 2] broadcasting against x.
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& angles) {
  const int64_t half = x.size(-1) / 2;
  torch::Tensor emb = torch::cat({angles, angles}, -1);
  torch::Tensor cos = emb.cos().to(x.scalar_type()), sin = emb.sin().to(x.scalar_type());
  torch::Tensor rotated = torch::cat(
      {-x.index({"...", Slice(half, torch::indexing::None)}), x.index({"...", Slice(0, half)})},
      -1);
  return x * cos + rotated * sin;
}

}  // namespace

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& inv_freq, int64_t start) {
  torch::Tensor f = inv_freq.to(x.device(), torch::kFloat32);
  torch::Tensor t = torch::arange(start, start + x.size(2), f.options());
  return rotate(x, torch::outer(t, f));
}

torch::Tensor apply_rope_at(const torch::Tensor& x, const torch::Tensor& inv_freq,
                            const torch::Tensor& positions) {
  torch::Tensor f = inv_freq.to(x.device(), torch::kFloat32);
  torch::Tensor t = positions.to(x.device(), torch::kFloat32);
  return rotate(x, (t.unsqueeze(-1) * f).unsqueeze(1));  // [B, 1, L, D / 2]
}

torch::Tensor causal_attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v,
                               int64_t sliding_window) {
  const int64_t B = q.size(0), Hq = q.size(1), L = q.size(2), D = q.size(-1);
  const int64_t Hkv = k.size(1), S = k.size(2), rep = Hq / Hkv;
  // Query heads h = j * rep + r share key/value head j: fold the rep query heads of a group
  // into rows instead of copying the (possibly long, cached) keys and values rep times.
  torch::Tensor qg = q.reshape({B, Hkv, rep * L, D});
  torch::Tensor att = torch::matmul(qg, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(D)));
  if (!(L == 1 && sliding_window <= 0)) {
    // Query i sits at position S - L + i.
    const auto opts = torch::dtype(torch::kInt64).device(q.device());
    torch::Tensor diff = torch::arange(S - L, S, opts).unsqueeze(1) - torch::arange(S, opts);
    torch::Tensor allowed = diff >= 0;  // [L, S]
    if (sliding_window > 0) allowed = allowed.logical_and(diff < sliding_window);
    att = att.masked_fill(allowed.logical_not().repeat({rep, 1}),
                          -std::numeric_limits<double>::infinity());
  }
  return torch::matmul(torch::softmax(att, -1), v).view({B, Hq, L, D});
}

}  // namespace instill::train
