#include "train/model/llama_family.hpp"

#include "core/error.hpp"
#include "train/model/attention.hpp"

namespace instill::train {

namespace nn = torch::nn;

namespace {

// transformers' RMSNorm: normalise in float32, cast back, then scale.
class RmsNormImpl : public nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
    weight = register_parameter("weight", torch::ones({dim}));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor xf = x.to(torch::kFloat32);
    return weight * (xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps_)).to(x.scalar_type());
  }
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RmsNorm);

nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return nn::Linear(nn::LinearOptions(in, out).bias(bias));
}

class SelfAttentionImpl : public nn::Module {
 public:
  explicit SelfAttentionImpl(const HfModelConfig& c) : c_(c) {
    const int64_t q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
    q_proj = register_module("q_proj", linear(c.hidden_size, q, c.qkv_bias));
    k_proj = register_module("k_proj", linear(c.hidden_size, kv, c.qkv_bias));
    v_proj = register_module("v_proj", linear(c.hidden_size, kv, c.qkv_bias));
    o_proj = register_module("o_proj", linear(q, c.hidden_size, c.o_bias));
    if (c.qk_norm) {
      q_norm = register_module("q_norm", RmsNorm(c.head_dim, c.norm_eps));
      k_norm = register_module("k_norm", RmsNorm(c.head_dim, c.norm_eps));
    }
    inv_freq = register_buffer("inv_freq",
                               rope_inverse_frequencies(c.head_dim, c.rope_theta, c.rope_scaling));
  }

  // Without a cache the positions start at 0 and keys are not kept; with a packed layout
  // (no cache) each document attends to itself, positions [B, L] restarting per document.
  torch::Tensor forward(const torch::Tensor& x, KvCache* cache, size_t layer,
                        const DocumentLayout& layout, const torch::Tensor& positions) {
    const int64_t B = x.size(0), L = x.size(1), D = c_.head_dim;
    torch::Tensor q = q_proj(x).view({B, L, c_.num_heads, D});
    torch::Tensor k = k_proj(x).view({B, L, c_.num_kv_heads, D});
    torch::Tensor v = v_proj(x).view({B, L, c_.num_kv_heads, D}).transpose(1, 2);
    if (c_.qk_norm) {
      q = q_norm(q);
      k = k_norm(k);
    }
    const int64_t window = c_.sliding_window;
    auto attend = [window](const torch::Tensor& qs, const torch::Tensor& ks,
                           const torch::Tensor& vs) {
      return causal_attention(qs, ks, vs, window);
    };
    torch::Tensor y;
    if (layout.packed()) {
      q = apply_rope_at(q.transpose(1, 2), inv_freq, positions);
      k = apply_rope_at(k.transpose(1, 2), inv_freq, positions);
      y = attend_per_document(layout, q, k, v, attend);
    } else {
      const int64_t start = cache ? cache->length() : 0;
      q = apply_rope(q.transpose(1, 2), inv_freq, start);
      k = apply_rope(k.transpose(1, 2), inv_freq, start);
      if (cache) {
        auto [keys, values] = cache->append(layer, k, v);
        y = attend(q, keys, values);
      } else {
        y = attend(q, k, v);
      }
    }
    return o_proj(y.transpose(1, 2).contiguous().view({B, L, c_.num_heads * D}));
  }

  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  RmsNorm q_norm{nullptr}, k_norm{nullptr};
  torch::Tensor inv_freq;

 private:
  HfModelConfig c_;
};
TORCH_MODULE(SelfAttention);

class GatedMlpImpl : public nn::Module {
 public:
  explicit GatedMlpImpl(const HfModelConfig& c) {
    gate_proj =
        register_module("gate_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
    up_proj = register_module("up_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
    down_proj =
        register_module("down_proj", linear(c.intermediate_size, c.hidden_size, c.mlp_bias));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
  }
  nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(GatedMlp);

class DecoderLayerImpl : public nn::Module {
 public:
  explicit DecoderLayerImpl(const HfModelConfig& c) {
    self_attn = register_module("self_attn", SelfAttention(c));
    mlp = register_module("mlp", GatedMlp(c));
    input_layernorm = register_module("input_layernorm", RmsNorm(c.hidden_size, c.norm_eps));
    post_attention_layernorm =
        register_module("post_attention_layernorm", RmsNorm(c.hidden_size, c.norm_eps));
  }
  torch::Tensor forward(torch::Tensor h, KvCache* cache, size_t layer, const DocumentLayout& layout,
                        const torch::Tensor& positions) {
    h = h + self_attn->forward(input_layernorm(h), cache, layer, layout, positions);
    return h + mlp(post_attention_layernorm(h));
  }
  SelfAttention self_attn{nullptr};
  GatedMlp mlp{nullptr};
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

class BackboneImpl : public nn::Module {
 public:
  explicit BackboneImpl(const HfModelConfig& c) {
    embed_tokens = register_module("embed_tokens", nn::Embedding(c.vocab_size, c.hidden_size));
    layers = register_module("layers", nn::ModuleList());
    for (int64_t i = 0; i < c.num_layers; ++i) layers->push_back(DecoderLayer(c));
    norm = register_module("norm", RmsNorm(c.hidden_size, c.norm_eps));
  }
  nn::Embedding embed_tokens{nullptr};
  nn::ModuleList layers{nullptr};
  RmsNorm norm{nullptr};
};
TORCH_MODULE(Backbone);

class LmHeadImpl : public nn::Module {
 public:
  LmHeadImpl(int64_t vocab, int64_t hidden) {
    weight = register_parameter("weight", torch::empty({vocab, hidden}).normal_(0, 0.02));
  }
  torch::Tensor weight;
};
TORCH_MODULE(LmHead);

}  // namespace

class LlamaFamilyModel : public nn::Module {
 public:
  explicit LlamaFamilyModel(const HfModelConfig& c) {
    model = register_module("model", Backbone(c));
    // With tying the head is the embedding tensor itself (listed once, under the embedding).
    if (c.tie_word_embeddings) {
      lm_head_weight = model->embed_tokens->weight;
    } else {
      lm_head = register_module("lm_head", LmHead(c.vocab_size, c.hidden_size));
      lm_head_weight = lm_head->weight;
    }
  }
  torch::Tensor hidden(const torch::Tensor& ids, KvCache* cache, const DocumentLayout& layout) {
    const torch::Tensor positions =
        layout.packed() ? layout.position_ids(ids.size(1)).to(ids.device()) : torch::Tensor();
    torch::Tensor h = model->embed_tokens(ids);
    size_t layer = 0;
    for (const auto& block : *model->layers)
      h = block->as<DecoderLayerImpl>()->forward(h, cache, layer++, layout, positions);
    if (cache) cache->advance(ids.size(1));
    return model->norm(h);
  }
  Backbone model{nullptr};
  LmHead lm_head{nullptr};
  torch::Tensor lm_head_weight;
};

LlamaFamilyLM::LlamaFamilyLM(HfModelConfig config, std::string sample_key,
                             std::string prediction_key)
    : config_(std::move(config)),
      sample_key_(std::move(sample_key)),
      prediction_key_(std::move(prediction_key)) {
  if (config_.family != HfFamily::kLlama)
    throw Error("internal: LlamaFamilyLM built from a " + config_.architecture + " config");
  model_ = std::make_shared<LlamaFamilyModel>(config_);
}

torch::Tensor LlamaFamilyLM::hidden_states(const torch::Tensor& ids, const DocumentLayout& layout) {
  return model_->hidden(ids, nullptr, layout);
}
torch::Tensor LlamaFamilyLM::hidden_states_cached(const torch::Tensor& ids, KvCache& cache) {
  return model_->hidden(ids, &cache, {});
}
torch::Tensor LlamaFamilyLM::lm_head_weight() { return model_->lm_head_weight; }
torch::nn::Module& LlamaFamilyLM::module() { return *model_; }

Value LlamaFamilyLM::describe() const {
  ValueMap m;
  m.set("architecture", "huggingface");
  m.set("sample_key", sample_key_);
  m.set("prediction_key", prediction_key_);
  m.set("config", config_.to_json());
  return Value(std::move(m));
}

void LlamaFamilyLM::resize_vocabulary(int64_t new_size) {
  if (new_size <= config_.vocab_size) return;
  auto& embedding = model_->model->embed_tokens;
  grow_rows_with_mean(embedding->weight, new_size);  // a tied head is this same tensor
  embedding->options.num_embeddings(new_size);
  if (!config_.tie_word_embeddings) grow_rows_with_mean(model_->lm_head->weight, new_size);
  config_.vocab_size = new_size;
}

}  // namespace instill::train
