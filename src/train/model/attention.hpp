#pragma once
// Pieces of attention shared by the model families: rotary position tables (with the
// Llama-3 and linear frequency scalings), and causal attention of new queries over cached
// keys, which incremental decoding needs.
#include <torch/torch.h>

namespace instill::train {

struct RopeScaling {
  enum class Type { kNone, kLinear, kLlama3 } type = Type::kNone;
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

// inv_freq[i] = 1 / theta^(2i/d) in float32 (as transformers computes it), then scaled.
torch::Tensor rope_inverse_frequencies(int64_t head_dim, double theta, const RopeScaling& scaling);

// x [B, H, L, D] rotated for positions start .. start+L-1 ("rotate half" convention).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& inv_freq, int64_t start);

// x [B, H, L, D] rotated for the positions [B, L] (int64), e.g. restarting per document.
torch::Tensor apply_rope_at(const torch::Tensor& x, const torch::Tensor& inv_freq,
                            const torch::Tensor& positions);

// q [B, Hq, L, D] are the last L positions of k, v [B, Hkv, S, D] (S >= L). Each query sees
// the keys at or before its position, and with sliding_window > 0 only the last
// sliding_window of them. Returns [B, Hq, L, D].
torch::Tensor causal_attention(const torch::Tensor& q, torch::Tensor k, torch::Tensor v,
                               int64_t sliding_window = 0);

}  // namespace instill::train
