#include "train/model/gpt2.hpp"

#include <cmath>

#include "core/error.hpp"
#include "train/model/attention.hpp"

namespace instill::train {

namespace nn = torch::nn;
using torch::indexing::Slice;

int64_t Gpt2Config::swiglu_hidden() const {
  const int64_t h = (2 * ffn_hidden) / 3;
  return (h + swiglu_hidden_multiple - 1) / swiglu_hidden_multiple * swiglu_hidden_multiple;
}

void Gpt2Config::validate() const {
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw Error(msg);
  };
  need(n_layer >= 1, "n_layer must be >= 1");
  need(n_head_q >= 1 && n_head_kv >= 1, "n_head_q and n_head_kv must be >= 1");
  need(n_head_q % n_head_kv == 0, "n_head_q (" + std::to_string(n_head_q) +
                                      ") must be a multiple of n_head_kv (" +
                                      std::to_string(n_head_kv) + ")");
  need(n_embd % n_head_q == 0, "n_embd (" + std::to_string(n_embd) +
                                   ") must be divisible by n_head_q (" + std::to_string(n_head_q) +
                                   ")");
  need(sequence_length >= 1 && vocab_size >= 1, "sequence_length and vocab_size must be >= 1");
  need(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
  if (rope) {
    need(positions == Positions::kNone,
         "poe_type ABSOLUTE cannot be combined with a RotaryTransform (use NOPE)");
    need(rope_base >= 10000, "RotaryTransform base_freq must be >= 10000");
    need(rope_head_dim == head_dim(),
         "RotaryTransform n_embd / n_head (" + std::to_string(rope_head_dim) +
             ") must equal the head size n_embd / n_head_q (" + std::to_string(head_dim()) + ")");
    need(rope_head_dim % 2 == 0, "the RoPE head size must be even");
  }
}

namespace {

class NormImpl : public nn::Module {
 public:
  NormImpl(int64_t dim, NormConfig c) : c_(c) {
    weight = register_parameter("weight", torch::ones({dim}));
    if (c_.type == NormConfig::Type::kLayerNorm || c_.bias)
      bias = register_parameter("bias", torch::zeros({dim}));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    if (c_.type == NormConfig::Type::kLayerNorm)
      return torch::layer_norm(x, {x.size(-1)}, weight, bias, c_.eps);
    torch::Tensor xf = x.to(torch::kFloat32);
    torch::Tensor y = (xf * torch::rsqrt(xf.pow(2).mean(-1, true) + c_.eps)).to(x.scalar_type());
    y = y * weight;
    return bias.defined() ? y + bias : y;
  }
  torch::Tensor weight, bias;

 private:
  NormConfig c_;
};
TORCH_MODULE(Norm);

// Half-split ("NeoX") rotary embedding of q and k, tables built for the key length.
torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t h = x.size(-1) / 2;
  return torch::cat(
      {-x.index({"...", Slice(h, torch::indexing::None)}), x.index({"...", Slice(0, h)})}, -1);
}

class AttentionImpl : public nn::Module {
 public:
  explicit AttentionImpl(const Gpt2Config& c) : c_(c) {
    const int64_t kv = c.n_embd / (c.n_head_q / c.n_head_kv);
    q_attn =
        register_module("q_attn", nn::Linear(nn::LinearOptions(c.n_embd, c.n_embd).bias(c.bias)));
    k_attn = register_module("k_attn", nn::Linear(nn::LinearOptions(c.n_embd, kv).bias(c.bias)));
    v_attn = register_module("v_attn", nn::Linear(nn::LinearOptions(c.n_embd, kv).bias(c.bias)));
    c_proj =
        register_module("c_proj", nn::Linear(nn::LinearOptions(c.n_embd, c.n_embd).bias(c.bias)));
    if (c.rope) {
      const int64_t d = c.rope_head_dim;
      inv_freq = register_buffer(
          "inv_freq",
          1.0 / torch::pow(torch::tensor(c.rope_base, torch::kFloat64).to(torch::kFloat32),
                           torch::arange(0, d, 2, torch::kFloat32) / static_cast<double>(d)));
    }
  }

  // positions [B, L] is defined for packed rows (layout.packed()), restarting per document.
  torch::Tensor forward(const torch::Tensor& x, const DocumentLayout& layout,
                        const torch::Tensor& positions) {
    const int64_t B = x.size(0), L = x.size(1), hd = c_.head_dim();
    const int64_t rep = c_.n_head_q / c_.n_head_kv;
    torch::Tensor q = q_attn(x).view({B, L, c_.n_head_q, hd}).transpose(1, 2);
    torch::Tensor k = k_attn(x).view({B, L, c_.n_head_kv, hd}).transpose(1, 2);
    torch::Tensor v = v_attn(x).view({B, L, c_.n_head_kv, hd}).transpose(1, 2);
    if (c_.rope) {
      torch::Tensor f = inv_freq.to(x.scalar_type());
      torch::Tensor angles = layout.packed()
                                 ? (positions.to(f.scalar_type()).unsqueeze(-1) * f).unsqueeze(1)
                                 : torch::outer(torch::arange(L, f.options()), f);
      torch::Tensor emb = torch::cat({angles, angles}, -1);
      torch::Tensor cos = emb.cos().to(x.scalar_type()), sin = emb.sin().to(x.scalar_type());
      q = q * cos + rotate_half(q) * sin;
      k = k * cos + rotate_half(k) * sin;
    }
    if (rep > 1) {
      k = k.repeat_interleave(rep, 1);
      v = v.repeat_interleave(rep, 1);
    }
    auto attend = [this](const torch::Tensor& qs, const torch::Tensor& ks,
                         const torch::Tensor& vs) { return attend_causally(qs, ks, vs); };
    torch::Tensor y =
        layout.packed() ? attend_per_document(layout, q, k, v, attend) : attend(q, k, v);
    y = y.transpose(1, 2).contiguous().view({B, L, c_.n_embd});
    return torch::dropout(c_proj(y), c_.dropout, is_training());
  }

  // Causal attention of one sequence per row: q, k, v [B, H, L, hd].
  torch::Tensor attend_causally(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v) {
    const int64_t L = q.size(2);
    const double p =
        is_training() || c_.attention == Gpt2Config::Attention::kManual ? c_.dropout : 0.0;
    if (c_.attention == Gpt2Config::Attention::kSdpa)
      return std::get<0>(at::_scaled_dot_product_attention(q, k, v, {}, is_training() ? p : 0.0,
                                                           false, /*is_causal=*/true));
    torch::Tensor att = torch::matmul(q, k.transpose(-2, -1)) *
                        (1.0 / std::sqrt(static_cast<double>(c_.head_dim())));
    torch::Tensor mask = torch::ones({L, L}, torch::dtype(torch::kBool).device(q.device())).tril();
    att = att.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
    att = torch::softmax(att, -1);
    // The reference applies attention dropout even in eval mode (spec §8.8.2).
    if (p > 0) att = torch::dropout(att, p, /*train=*/true);
    return torch::matmul(att, v);
  }

  // Inference only (no dropout): x holds the positions after those in `cache`.
  torch::Tensor forward_cached(const torch::Tensor& x, KvCache& cache, size_t layer) {
    const int64_t B = x.size(0), L = x.size(1), hd = c_.head_dim();
    torch::Tensor q = q_attn(x).view({B, L, c_.n_head_q, hd}).transpose(1, 2);
    torch::Tensor k = k_attn(x).view({B, L, c_.n_head_kv, hd}).transpose(1, 2);
    torch::Tensor v = v_attn(x).view({B, L, c_.n_head_kv, hd}).transpose(1, 2);
    if (c_.rope) {
      q = apply_rope(q, inv_freq, cache.length());
      k = apply_rope(k, inv_freq, cache.length());
    }
    auto [keys, values] = cache.append(layer, k, v);
    torch::Tensor y = causal_attention(q, keys, values);
    return c_proj(y.transpose(1, 2).contiguous().view({B, L, c_.n_embd}));
  }

  nn::Linear q_attn{nullptr}, k_attn{nullptr}, v_attn{nullptr}, c_proj{nullptr};
  torch::Tensor inv_freq;

 private:
  Gpt2Config c_;
};
TORCH_MODULE(Attention);

class MlpImpl : public nn::Module {
 public:
  explicit MlpImpl(const Gpt2Config& c) : c_(c) {
    if (c.activation == Gpt2Config::Activation::kSwiglu) {
      const int64_t h = c.swiglu_hidden();
      W = register_module("W", nn::Linear(nn::LinearOptions(c.n_embd, h).bias(c.bias)));
      V = register_module("V", nn::Linear(nn::LinearOptions(c.n_embd, h).bias(c.bias)));
      W_2 = register_module("W_2", nn::Linear(nn::LinearOptions(h, c.n_embd).bias(c.bias)));
    } else {
      c_fc = register_module("c_fc",
                             nn::Linear(nn::LinearOptions(c.n_embd, c.ffn_hidden).bias(c.bias)));
      c_proj = register_module("c_proj",
                               nn::Linear(nn::LinearOptions(c.ffn_hidden, c.n_embd).bias(c.bias)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    if (c_.activation == Gpt2Config::Activation::kSwiglu) return W_2(torch::silu(W(x)) * V(x));
    torch::Tensor a = c_.activation == Gpt2Config::Activation::kGeluTanh
                          ? torch::gelu(c_fc(x), "tanh")
                          : torch::gelu(c_fc(x));
    return torch::dropout(c_proj(a), c_.dropout, is_training());
  }
  nn::Linear W{nullptr}, V{nullptr}, W_2{nullptr}, c_fc{nullptr}, c_proj{nullptr};

 private:
  Gpt2Config c_;
};
TORCH_MODULE(Mlp);

class BlockImpl : public nn::Module {
 public:
  explicit BlockImpl(const Gpt2Config& c) {
    attention_norm = register_module("attention_norm", Norm(c.n_embd, c.attention_norm));
    attn = register_module("attn", Attention(c));
    ffn_norm = register_module("ffn_norm", Norm(c.n_embd, c.ffn_norm));
    mlp = register_module("mlp", Mlp(c));
  }
  torch::Tensor forward(torch::Tensor h, const DocumentLayout& layout,
                        const torch::Tensor& positions) {
    h = h + attn->forward(attention_norm(h), layout, positions);
    return h + mlp(ffn_norm(h));
  }
  torch::Tensor forward_cached(torch::Tensor h, KvCache& cache, size_t layer) {
    h = h + attn->forward_cached(attention_norm(h), cache, layer);
    return h + mlp(ffn_norm(h));
  }
  Norm attention_norm{nullptr}, ffn_norm{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

// A bias-free Linear(E, V) whose weight may be another module's tensor (weight tying).
class LmHeadImpl : public nn::Module {
 public:
  LmHeadImpl(int64_t in, int64_t out, torch::Tensor tied) {
    if (!tied.defined()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));  // nn.Linear's default
      tied = torch::empty({out, in}).uniform_(-bound, bound);
    }
    weight = register_parameter("weight", tied);
  }
  torch::Tensor weight;
};
TORCH_MODULE(LmHead);

class TransformerImpl : public nn::Module {
 public:
  explicit TransformerImpl(const Gpt2Config& c) {
    wte = register_module("wte", nn::Embedding(c.vocab_size, c.n_embd));
    if (c.positions == Gpt2Config::Positions::kAbsolute)
      wpe = register_module("wpe", nn::Embedding(c.sequence_length, c.n_embd));
    h = register_module("h", nn::ModuleList());
    for (int64_t i = 0; i < c.n_layer; ++i) h->push_back(Block(c));
    lm_head_norm = register_module("lm_head_norm", Norm(c.n_embd, c.lm_head_norm));
    // With tying, one tensor under both names, as `lm_head.weight = wte.weight` in Python.
    lm_head = register_module(
        "lm_head",
        LmHead(c.n_embd, c.vocab_size, c.use_weight_tying ? wte->weight : torch::Tensor()));
  }
  nn::Embedding wte{nullptr}, wpe{nullptr};
  nn::ModuleList h{nullptr};
  Norm lm_head_norm{nullptr};
  LmHead lm_head{nullptr};
};
TORCH_MODULE(Transformer);

}  // namespace

class Gpt2Model : public nn::Module {
 public:
  explicit Gpt2Model(const Gpt2Config& c) : c_(c) {
    transformer = register_module("transformer", Transformer(c));
  }
  torch::Tensor hidden(const torch::Tensor& ids, const DocumentLayout& layout) {
    if (ids.size(1) > c_.sequence_length)
      throw Error("gpt2: input length " + std::to_string(ids.size(1)) +
                  " exceeds the model's sequence_length " + std::to_string(c_.sequence_length));
    const torch::Tensor positions =
        layout.packed() ? layout.position_ids(ids.size(1)).to(ids.device()) : torch::Tensor();
    torch::Tensor h = transformer->wte(ids);
    if (transformer->wpe)
      h = h +
          transformer->wpe(
              layout.packed()
                  ? positions
                  : torch::arange(ids.size(1), torch::dtype(torch::kInt64).device(ids.device())));
    h = torch::dropout(h, c_.dropout, is_training());
    for (const auto& block : *transformer->h)
      h = block->as<BlockImpl>()->forward(h, layout, positions);
    return transformer->lm_head_norm(h);
  }
  torch::Tensor hidden_cached(const torch::Tensor& ids, KvCache& cache) {
    const int64_t start = cache.length(), end = start + ids.size(1);
    if (end > c_.sequence_length)
      throw Error("gpt2: position " + std::to_string(end - 1) +
                  " is beyond the model's sequence_length " + std::to_string(c_.sequence_length));
    torch::Tensor h = transformer->wte(ids);
    if (transformer->wpe)
      h = h + transformer->wpe(
                  torch::arange(start, end, torch::dtype(torch::kInt64).device(ids.device())));
    size_t layer = 0;
    for (const auto& block : *transformer->h)
      h = block->as<BlockImpl>()->forward_cached(h, cache, layer++);
    cache.advance(ids.size(1));
    return transformer->lm_head_norm(h);
  }
  Transformer transformer{nullptr};

 private:
  Gpt2Config c_;
};

Gpt2CausalLM::Gpt2CausalLM(const Gpt2Config& config) : config_(config) {
  config_.validate();
  if (config_.seed) torch::manual_seed(*config_.seed);
  model_ = std::make_shared<Gpt2Model>(config_);
}

torch::Tensor Gpt2CausalLM::hidden_states(const torch::Tensor& ids, const DocumentLayout& layout) {
  return model_->hidden(ids, layout);
}
torch::Tensor Gpt2CausalLM::hidden_states_cached(const torch::Tensor& ids, KvCache& cache) {
  return model_->hidden_cached(ids, cache);
}
torch::Tensor Gpt2CausalLM::lm_head_weight() { return model_->transformer->lm_head->weight; }
torch::nn::Module& Gpt2CausalLM::module() { return *model_; }

std::map<std::string, std::vector<std::string>> Gpt2CausalLM::weight_decay_groups() const {
  return {{"linear", {".attn", ".mlp", ".lm_head.weight"}},
          {"embedding", {".wte", ".wpe"}},
          {"layernorm", {".attention_norm", ".ffn_norm", ".lm_head_norm"}}};
}

void Gpt2CausalLM::resize_vocabulary(int64_t new_size) {
  if (new_size <= config_.vocab_size) return;
  grow_rows_with_mean(model_->transformer->wte->weight, new_size);
  model_->transformer->wte->options.num_embeddings(new_size);
  if (!config_.use_weight_tying)
    grow_rows_with_mean(model_->transformer->lm_head->weight, new_size);
  config_.vocab_size = new_size;
}

Value Gpt2CausalLM::describe() const { return describe_gpt2_config(config_); }

}  // namespace instill::train
