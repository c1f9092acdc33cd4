#include "train/model/hf_pretrained.hpp"

#include <functional>
#include <set>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_json.hpp"
#include "train/model/gpt2.hpp"
#include "train/model/gpt2_fields.hpp"
#include "train/model/hf_config.hpp"
#include "train/model/llama_family.hpp"
#include "train/tensor_io.hpp"

namespace instill::train {

namespace fs = std::filesystem;
using TensorMap = std::map<std::string, torch::Tensor>;

torch::ScalarType torch_dtype_from_name(const std::string& name) {
  if (name == "float32" || name == "fp32") return torch::kFloat32;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16") return torch::kFloat16;
  throw Error("unknown dtype \"" + name + "\" (expected float32, bfloat16 or float16)");
}

std::string torch_dtype_name(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32:
      return "float32";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kFloat16:
      return "float16";
    default:
      throw Error(std::string("no Hugging Face name for dtype ") + c10::toString(type));
  }
}

TensorMap read_hf_weights(const fs::path& dir) {
  const fs::path index = dir / "model.safetensors.index.json";
  const fs::path single = dir / "model.safetensors";
  std::error_code ec;
  if (fs::exists(index, ec)) {
    Value doc;
    try {
      doc = json_loads(read_file(index));
    } catch (const Error& e) {
      throw Error(index.string() + ": " + e.what());
    }
    const Value* map = doc.is_map() ? doc.as_map().find("weight_map") : nullptr;
    if (!map || !map->is_map())
      throw Error(index.string() + ": expected an object with a \"weight_map\" object");
    std::map<std::string, TensorMap> shards;
    TensorMap out;
    for (const auto& [name, file] : map->as_map()) {
      if (!file.is_string() || file.as_string().find('/') != std::string::npos)
        throw Error(index.string() + ": weight_map[\"" + name + "\"]: expected a file name");
      auto it = shards.find(file.as_string());
      if (it == shards.end()) {
        const fs::path shard = dir / file.as_string();
        if (!fs::exists(shard, ec))
          throw Error(index.string() + ": shard " + file.as_string() + " (for \"" + name +
                      "\") does not exist");
        it = shards.emplace(file.as_string(), load_tensors(shard)).first;
      }
      auto t = it->second.find(name);
      if (t == it->second.end())
        throw Error(index.string() + ": \"" + name + "\" is not in its shard " + file.as_string());
      out[name] = t->second;
    }
    return out;
  }
  if (fs::exists(single, ec)) return load_tensors(single);
  if (fs::exists(dir / "pytorch_model.bin", ec) || fs::exists(dir / "model.bin", ec))
    throw Error(dir.string() +
                ": only safetensors weights are supported, and this directory has PyTorch .bin "
                "weights; convert them once with transformers (model.save_pretrained(dir, "
                "safe_serialization=True))");
  throw Error(dir.string() + ": no model.safetensors or model.safetensors.index.json");
}

namespace {

// Copies `source` (any float dtype) into the parameter, checking the shape.
void assign(torch::Tensor& param, const torch::Tensor& source, const std::string& name,
            const std::string& where) {
  if (source.sizes() != param.sizes())
    throw Error(where + ": tensor \"" + name + "\" has shape " + c10::str(source.sizes()) +
                ", the config implies " + c10::str(param.sizes()));
  if (!source.is_floating_point())
    throw Error(where + ": tensor \"" + name + "\" is not floating point");
  torch::NoGradGuard no_grad;
  param.copy_(source.to(param.scalar_type()));
}

// Fills every parameter from `weights` by name; names in `weights` nobody takes are an
// error unless `ignorable` says they are buffers transformers also saves.
void load_parameters(CausalLM& model, const TensorMap& weights, const std::string& where,
                     const std::function<bool(const std::string&)>& ignorable) {
  std::set<std::string> used;
  for (auto& [name, param] : model.named_parameters()) {
    auto it = weights.find(name);
    if (it == weights.end()) throw Error(where + ": missing tensor \"" + name + "\"");
    assign(param, it->second, name, where);
    used.insert(name);
  }
  for (const auto& [name, _] : weights)
    if (!used.count(name) && !ignorable(name))
      throw Error(where + ": unexpected tensor \"" + name + "\" (not part of the " +
                  "architecture its config.json describes)");
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string layer_prefix(int64_t i) { return "transformer.h." + std::to_string(i) + "."; }

Gpt2Config gpt2_config_from_hf(const HfModelConfig& c) {
  Gpt2Config g;
  g.use_weight_tying = c.tie_word_embeddings;
  g.positions = Gpt2Config::Positions::kAbsolute;
  g.sequence_length = c.max_positions;
  g.vocab_size = c.vocab_size;
  g.n_layer = c.num_layers;
  g.n_head_q = g.n_head_kv = c.num_heads;
  g.n_embd = c.hidden_size;
  g.ffn_hidden = c.intermediate_size;
  g.dropout = c.dropout;
  g.bias = true;
  g.attention = Gpt2Config::Attention::kManual;
  g.activation =
      c.hidden_act == "gelu" ? Gpt2Config::Activation::kGelu : Gpt2Config::Activation::kGeluTanh;
  NormConfig ln{NormConfig::Type::kLayerNorm, c.norm_eps, true};
  g.attention_norm = g.ffn_norm = g.lm_head_norm = ln;
  g.hf_config = c.to_json();
  return g;
}

// GPT2LMHeadModel tensors (Conv1D weights are [in, out]) under the reference gpt2's names.
TensorMap gpt2_from_hf_names(const TensorMap& hf, const Gpt2Config& g, const std::string& where) {
  auto get = [&](const std::string& name) -> const torch::Tensor& {
    auto it = hf.find("transformer." + name);
    if (it == hf.end()) it = hf.find(name);
    if (it == hf.end()) throw Error(where + ": missing tensor \"transformer." + name + "\"");
    return it->second;
  };
  TensorMap out;
  const int64_t E = g.n_embd;
  out["transformer.wte.weight"] = get("wte.weight");
  out["transformer.wpe.weight"] = get("wpe.weight");
  for (int64_t i = 0; i < g.n_layer; ++i) {
    const std::string h = "h." + std::to_string(i) + ".", r = layer_prefix(i);
    out[r + "attention_norm.weight"] = get(h + "ln_1.weight");
    out[r + "attention_norm.bias"] = get(h + "ln_1.bias");
    const torch::Tensor& qkv_w = get(h + "attn.c_attn.weight");
    const torch::Tensor& qkv_b = get(h + "attn.c_attn.bias");
    if (qkv_w.dim() != 2 || qkv_w.size(1) != 3 * E || qkv_b.numel() != 3 * E)
      throw Error(where + ": tensor \"" + h + "attn.c_attn\" does not have 3 * n_embd outputs");
    const char* parts[] = {"q_attn", "k_attn", "v_attn"};
    for (int64_t p = 0; p < 3; ++p) {
      out[r + "attn." + parts[p] + ".weight"] = qkv_w.narrow(1, p * E, E).t();
      out[r + "attn." + parts[p] + ".bias"] = qkv_b.narrow(0, p * E, E);
    }
    out[r + "attn.c_proj.weight"] = get(h + "attn.c_proj.weight").t();
    out[r + "attn.c_proj.bias"] = get(h + "attn.c_proj.bias");
    out[r + "ffn_norm.weight"] = get(h + "ln_2.weight");
    out[r + "ffn_norm.bias"] = get(h + "ln_2.bias");
    out[r + "mlp.c_fc.weight"] = get(h + "mlp.c_fc.weight").t();
    out[r + "mlp.c_fc.bias"] = get(h + "mlp.c_fc.bias");
    out[r + "mlp.c_proj.weight"] = get(h + "mlp.c_proj.weight").t();
    out[r + "mlp.c_proj.bias"] = get(h + "mlp.c_proj.bias");
  }
  out["transformer.lm_head_norm.weight"] = get("ln_f.weight");
  out["transformer.lm_head_norm.bias"] = get("ln_f.bias");
  if (!g.use_weight_tying) {
    auto it = hf.find("lm_head.weight");
    if (it == hf.end()) throw Error(where + ": missing tensor \"lm_head.weight\"");
    out["transformer.lm_head.weight"] = it->second;
  }
  return out;
}

}  // namespace

std::shared_ptr<CausalLM> load_hf_model(const fs::path& dir, const std::string& sample_key,
                                        const std::string& prediction_key) {
  const HfModelConfig config = HfModelConfig::from_file(dir / "config.json");
  const TensorMap weights = read_hf_weights(dir);
  const std::string where = dir.string();
  if (config.family == HfFamily::kLlama) {
    auto model = std::make_shared<LlamaFamilyLM>(config, sample_key, prediction_key);
    load_parameters(*model, weights, where, [&](const std::string& name) {
      return ends_with(name, "rotary_emb.inv_freq") ||
             (config.tie_word_embeddings && name == "lm_head.weight");
    });
    return model;
  }
  Gpt2Config g = gpt2_config_from_hf(config);
  g.sample_key = sample_key;
  g.prediction_key = prediction_key;
  auto model = std::make_shared<Gpt2CausalLM>(g);
  TensorMap mapped = gpt2_from_hf_names(weights, g, where);
  load_parameters(*model, mapped, where, [](const std::string&) { return false; });
  return model;
}

std::shared_ptr<CausalLM> build_model(const Value& description, const std::string& where) {
  try {
    const Value* arch = description.is_map() ? description.as_map().find("architecture") : nullptr;
    if (!arch || !arch->is_string()) throw Error("missing \"architecture\"");
    const std::string& sample_key = description.as_map().at("sample_key").as_string();
    const std::string& prediction_key = description.as_map().at("prediction_key").as_string();
    if (arch->as_string() == "gpt2")
      return std::make_shared<Gpt2CausalLM>(gpt2_config_from_description(description));
    if (arch->as_string() == "huggingface")
      return std::make_shared<LlamaFamilyLM>(
          HfModelConfig::from_json(description.as_map().at("config"), where + ": config"),
          sample_key, prediction_key);
    throw Error("unknown architecture \"" + arch->as_string() + "\"");
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(where + ": malformed model description (" + e.what() + ")");
  }
}

namespace {

bool same_norms(const Gpt2Config& g, NormConfig::Type type, bool bias) {
  for (const NormConfig* n : {&g.attention_norm, &g.ffn_norm, &g.lm_head_norm})
    if (n->type != type || n->bias != bias || n->eps != g.attention_norm.eps) return false;
  return true;
}

// Why the reference's gpt2 model does or does not fit GPT2LMHeadModel / LlamaForCausalLM.
std::vector<std::string> gpt2_misfits(const Gpt2Config& g) {
  std::vector<std::string> why;
  if (g.positions != Gpt2Config::Positions::kAbsolute) why.push_back("poe_type ABSOLUTE");
  if (g.rope) why.push_back("no RotaryTransform");
  if (g.activation == Gpt2Config::Activation::kSwiglu) why.push_back("activation gelu");
  if (!same_norms(g, NormConfig::Type::kLayerNorm, true))
    why.push_back("layer_norm for all three norms with one eps");
  if (g.n_head_kv != g.n_head_q) why.push_back("n_head_kv == n_head_q");
  return why;
}
std::vector<std::string> llama_misfits(const Gpt2Config& g) {
  std::vector<std::string> why;
  if (!g.rope) why.push_back("a RotaryTransform");
  if (g.positions != Gpt2Config::Positions::kNone) why.push_back("poe_type NOPE");
  if (g.activation != Gpt2Config::Activation::kSwiglu) why.push_back("activation swiglu");
  if (!same_norms(g, NormConfig::Type::kRmsNorm, false))
    why.push_back("rms_norm without bias for all three norms with one eps");
  return why;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

HfExport export_gpt2_as_gpt2(CausalLM& model, const Gpt2Config& g) {
  HfExport e;
  ValueMap c = g.hf_config.is_map() ? g.hf_config.deep_copy().as_map() : ValueMap{};
  c.set("architectures", Value(ValueList{Value("GPT2LMHeadModel")}));
  c.set("model_type", "gpt2");
  set_hf_gpt2_keys(g, c);
  c.set("layer_norm_epsilon", g.attention_norm.eps);
  c.set("activation_function", g.activation == Gpt2Config::Activation::kGelu ? "gelu" : "gelu_new");
  if (!c.contains("resid_pdrop")) {
    c.set("resid_pdrop", g.dropout);
    c.set("embd_pdrop", g.dropout);
    c.set("attn_pdrop", g.dropout);
  }
  e.config = Value(std::move(c));
  TensorMap p;
  for (auto& [name, t] : model.named_parameters()) p[name] = t.detach();
  auto bias = [&](const std::string& name, int64_t n) {
    auto it = p.find(name);
    return it != p.end() ? it->second : torch::zeros({n});  // bias-free models: exact zeros
  };
  const int64_t E = g.n_embd;
  e.tensors["transformer.wte.weight"] = p.at("transformer.wte.weight");
  e.tensors["transformer.wpe.weight"] = p.at("transformer.wpe.weight");
  for (int64_t i = 0; i < g.n_layer; ++i) {
    const std::string h = "transformer.h." + std::to_string(i) + ".", r = layer_prefix(i);
    e.tensors[h + "ln_1.weight"] = p.at(r + "attention_norm.weight");
    e.tensors[h + "ln_1.bias"] = p.at(r + "attention_norm.bias");
    e.tensors[h + "attn.c_attn.weight"] =
        torch::cat({p.at(r + "attn.q_attn.weight"), p.at(r + "attn.k_attn.weight"),
                    p.at(r + "attn.v_attn.weight")},
                   0)
            .t();
    e.tensors[h + "attn.c_attn.bias"] =
        torch::cat({bias(r + "attn.q_attn.bias", E), bias(r + "attn.k_attn.bias", E),
                    bias(r + "attn.v_attn.bias", E)});
    e.tensors[h + "attn.c_proj.weight"] = p.at(r + "attn.c_proj.weight").t();
    e.tensors[h + "attn.c_proj.bias"] = bias(r + "attn.c_proj.bias", E);
    e.tensors[h + "ln_2.weight"] = p.at(r + "ffn_norm.weight");
    e.tensors[h + "ln_2.bias"] = p.at(r + "ffn_norm.bias");
    e.tensors[h + "mlp.c_fc.weight"] = p.at(r + "mlp.c_fc.weight").t();
    e.tensors[h + "mlp.c_fc.bias"] = bias(r + "mlp.c_fc.bias", g.ffn_hidden);
    e.tensors[h + "mlp.c_proj.weight"] = p.at(r + "mlp.c_proj.weight").t();
    e.tensors[h + "mlp.c_proj.bias"] = bias(r + "mlp.c_proj.bias", E);
  }
  e.tensors["transformer.ln_f.weight"] = p.at("transformer.lm_head_norm.weight");
  e.tensors["transformer.ln_f.bias"] = p.at("transformer.lm_head_norm.bias");
  if (!g.use_weight_tying) e.tensors["lm_head.weight"] = p.at("transformer.lm_head.weight");
  return e;
}

HfExport export_gpt2_as_llama(CausalLM& model, const Gpt2Config& g) {
  HfExport e;
  ValueMap c;
  c.set("architectures", Value(ValueList{Value("LlamaForCausalLM")}));
  c.set("model_type", "llama");
  set_hf_llama_keys(g, c);
  c.set("intermediate_size", g.swiglu_hidden());
  c.set("head_dim", g.head_dim());
  c.set("rms_norm_eps", g.attention_norm.eps);
  c.set("rope_scaling", Value());
  c.set("hidden_act", "silu");
  c.set("attention_dropout", 0.0);
  e.config = Value(std::move(c));
  static const std::vector<std::pair<std::string, std::string>> kLayer = {
      {"attention_norm.weight", "input_layernorm.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"attn.q_attn.", "self_attn.q_proj."},
      {"attn.k_attn.", "self_attn.k_proj."},
      {"attn.v_attn.", "self_attn.v_proj."},
      {"attn.c_proj.", "self_attn.o_proj."},
      {"mlp.W_2.", "mlp.down_proj."},
      {"mlp.W.", "mlp.gate_proj."},
      {"mlp.V.", "mlp.up_proj."}};
  for (auto& [name, t] : model.named_parameters()) {
    std::string hf;
    if (name == "transformer.wte.weight") {
      hf = "model.embed_tokens.weight";
    } else if (name == "transformer.lm_head_norm.weight") {
      hf = "model.norm.weight";
    } else if (name == "transformer.lm_head.weight") {
      hf = "lm_head.weight";
    } else if (name.rfind("transformer.h.", 0) == 0) {
      const size_t dot = name.find('.', 14);
      const std::string layer = name.substr(14, dot - 14), rest = name.substr(dot + 1);
      for (const auto& [from, to] : kLayer)
        if (rest.rfind(from, 0) == 0) {
          hf = "model.layers." + layer + "." + to + rest.substr(from.size());
          break;
        }
    }
    if (hf.empty()) throw Error("internal: no LlamaForCausalLM name for \"" + name + "\"");
    e.tensors[hf] = t.detach();
  }
  return e;
}

}  // namespace

HfExport export_hf(CausalLM& model) {
  if (auto* llama = dynamic_cast<LlamaFamilyLM*>(&model)) {
    HfExport e;
    e.config = llama->config().to_json();
    for (auto& [name, t] : model.named_parameters()) e.tensors[name] = t.detach();
    return e;
  }
  if (auto* gpt2 = dynamic_cast<Gpt2CausalLM*>(&model)) {
    const Gpt2Config& g = gpt2->config();
    const auto gpt2_gaps = gpt2_misfits(g);
    if (gpt2_gaps.empty()) return export_gpt2_as_gpt2(model, g);
    const auto llama_gaps = llama_misfits(g);
    if (llama_gaps.empty()) return export_gpt2_as_llama(model, g);
    throw Error("no Hugging Face architecture fits this gpt2 model: GPT2LMHeadModel would need " +
                join(gpt2_gaps) + "; LlamaForCausalLM would need " + join(llama_gaps));
  }
  throw Error("this model type cannot be exported to Hugging Face format");
}

void write_hf_model(const fs::path& dir, const HfExport& model, torch::ScalarType dtype,
                    uint64_t max_shard_bytes) {
  fs::create_directories(dir);
  Value config = model.config.deep_copy();
  config.as_map().set("torch_dtype", torch_dtype_name(dtype));
  JsonDumpOptions pretty;
  pretty.indent = "  ";
  write_file_atomic(dir / "config.json", json_dumps(config, pretty) + "\n");

  TensorMap converted;
  uint64_t total = 0;
  for (const auto& [name, t] : model.tensors) {
    converted[name] = t.to(torch::kCPU, dtype).contiguous();
    total += converted[name].numel() * converted[name].element_size();
  }
  const std::map<std::string, std::string> meta = {{"format", "pt"}};
  if (total <= max_shard_bytes) {
    save_tensors(dir / "model.safetensors", converted, meta);
    return;
  }
  std::vector<TensorMap> shards(1);
  uint64_t in_shard = 0;
  for (const auto& [name, t] : converted) {
    const uint64_t bytes = t.numel() * t.element_size();
    if (in_shard > 0 && in_shard + bytes > max_shard_bytes) {
      shards.emplace_back();
      in_shard = 0;
    }
    shards.back()[name] = t;
    in_shard += bytes;
  }
  char buf[64];
  ValueMap weight_map;
  for (size_t i = 0; i < shards.size(); ++i) {
    std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    save_tensors(dir / buf, shards[i], meta);
    for (const auto& [name, _] : shards[i]) weight_map.set(name, std::string(buf));
  }
  ValueMap index, metadata;
  metadata.set("total_size", static_cast<int64_t>(total));
  index.set("metadata", Value(std::move(metadata)));
  index.set("weight_map", Value(std::move(weight_map)));
  write_file_atomic(dir / "model.safetensors.index.json",
                    json_dumps(Value(std::move(index)), pretty) + "\n");
}

}  // namespace instill::train
