#include "train/model/hf_config.hpp"

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/python_json.hpp"

namespace instill::train {

const std::vector<std::string>& supported_hf_architectures() {
  static const std::vector<std::string> kArchs = {"Qwen2ForCausalLM", "Qwen3ForCausalLM",
                                                  "LlamaForCausalLM", "MistralForCausalLM",
                                                  "GPT2LMHeadModel"};
  return kArchs;
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Typed access to config.json keys with errors that name the file and key.
class Keys {
 public:
  Keys(const ValueMap& m, std::string where) : m_(m), where_(std::move(where)) {}
  bool has(std::string_view key) const {
    const Value* v = m_.find(key);
    return v && !v->is_null();
  }
  int64_t integer(std::string_view key) const {
    const Value& v = need(key);
    if (!v.is_int()) fail(key, "an integer", v);
    return v.as_int();
  }
  int64_t integer(std::string_view key, int64_t fallback) const {
    return has(key) ? integer(key) : fallback;
  }
  double number(std::string_view key, double fallback) const {
    if (!has(key)) return fallback;
    const Value& v = *m_.find(key);
    if (!v.is_number()) fail(key, "a number", v);
    return v.to_double();
  }
  bool boolean(std::string_view key, bool fallback) const {
    if (!has(key)) return fallback;
    const Value& v = *m_.find(key);
    if (!v.is_bool()) fail(key, "true or false", v);
    return v.as_bool();
  }
  std::string string(std::string_view key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const Value& v = *m_.find(key);
    if (!v.is_string()) fail(key, "a string", v);
    return v.as_string();
  }
  const Value& need(std::string_view key) const {
    const Value* v = m_.find(key);
    if (!v || v->is_null()) throw Error(where_ + ": missing key \"" + std::string(key) + "\"");
    return *v;
  }
  [[noreturn]] void fail(std::string_view key, const std::string& expected, const Value& v) const {
    throw Error(where_ + ": key \"" + std::string(key) + "\": expected " + expected + ", got " +
                json_dumps(v));
  }
  const std::string& where() const { return where_; }

 private:
  const ValueMap& m_;
  std::string where_;
};

RopeScaling parse_rope_scaling(const Keys& k, const Value& v) {
  RopeScaling r;
  if (v.is_null()) return r;
  if (!v.is_map()) k.fail("rope_scaling", "an object or null", v);
  Keys s(v.as_map(), k.where() + ": rope_scaling");
  const std::string type = s.has("rope_type") ? s.string("rope_type", "") : s.string("type", "");
  if (type == "default" || type.empty()) return r;
  r.factor = s.number("factor", 1.0);
  if (type == "linear") {
    r.type = RopeScaling::Type::kLinear;
  } else if (type == "llama3") {
    r.type = RopeScaling::Type::kLlama3;
    r.low_freq_factor = s.number("low_freq_factor", 1.0);
    r.high_freq_factor = s.number("high_freq_factor", 4.0);
    r.original_max_position_embeddings = s.integer("original_max_position_embeddings");
    if (r.high_freq_factor <= r.low_freq_factor)
      throw Error(s.where() + ": high_freq_factor must exceed low_freq_factor");
  } else {
    throw Error(s.where() + ": rope type \"" + type +
                "\" is not supported (supported: default, linear, llama3)");
  }
  if (r.factor <= 0) throw Error(s.where() + ": factor must be > 0");
  return r;
}

}  // namespace

HfModelConfig HfModelConfig::from_json(const Value& document, const std::string& where) {
  if (!document.is_map()) throw Error(where + ": expected a JSON object");
  const ValueMap& m = document.as_map();
  Keys k(m, where);
  HfModelConfig c;
  c.document = document.deep_copy();
  const Value& archs = k.need("architectures");
  if (!archs.is_list() || archs.as_list().empty() || !archs.as_list()[0].is_string())
    k.fail("architectures", "a list of architecture names", archs);
  c.architecture = archs.as_list()[0].as_string();
  const auto& supported = supported_hf_architectures();
  if (std::find(supported.begin(), supported.end(), c.architecture) == supported.end())
    throw Error(where + ": architecture " + c.architecture +
                " is not supported; instill supports " + join(supported));
  c.torch_dtype = k.string("torch_dtype", "float32");
  c.vocab_size = k.integer("vocab_size");

  if (c.architecture == "GPT2LMHeadModel") {
    c.family = HfFamily::kGpt2;
    c.hidden_size = k.integer("n_embd");
    c.num_layers = k.integer("n_layer");
    c.num_heads = c.num_kv_heads = k.integer("n_head");
    c.intermediate_size = k.integer("n_inner", 4 * c.hidden_size);
    c.max_positions = k.integer("n_positions");
    c.norm_eps = k.number("layer_norm_epsilon", 1e-5);
    c.hidden_act = k.string("activation_function", "gelu_new");
    if (c.hidden_act != "gelu_new" && c.hidden_act != "gelu" && c.hidden_act != "gelu_pytorch_tanh")
      throw Error(where + ": activation_function \"" + c.hidden_act +
                  "\" is not supported for GPT2LMHeadModel (supported: gelu_new, "
                  "gelu_pytorch_tanh, gelu)");
    c.tie_word_embeddings = k.boolean("tie_word_embeddings", true);
    c.qkv_bias = c.o_bias = c.mlp_bias = true;
    c.dropout = k.number("resid_pdrop", 0.1);
    for (const char* flag : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"})
      if (k.boolean(flag, false)) throw Error(where + ": " + flag + " = true is not supported");
    if (!k.boolean("scale_attn_weights", true))
      throw Error(where + ": scale_attn_weights = false is not supported");
  } else {
    c.family = HfFamily::kLlama;
    c.hidden_size = k.integer("hidden_size");
    c.intermediate_size = k.integer("intermediate_size");
    c.num_layers = k.integer("num_hidden_layers");
    c.num_heads = k.integer("num_attention_heads");
    c.num_kv_heads = k.integer("num_key_value_heads", c.num_heads);
    c.head_dim = k.integer("head_dim", 0);
    c.max_positions = k.integer("max_position_embeddings", 0);
    c.norm_eps = k.number("rms_norm_eps", 1e-6);
    c.rope_theta = k.number("rope_theta", 10000.0);
    if (const Value* rs = m.find("rope_scaling")) c.rope_scaling = parse_rope_scaling(k, *rs);
    c.hidden_act = k.string("hidden_act", "silu");
    if (c.hidden_act != "silu")
      throw Error(where + ": hidden_act \"" + c.hidden_act + "\" is not supported (only silu)");
    c.tie_word_embeddings = k.boolean("tie_word_embeddings", false);
    if (c.architecture == "Qwen2ForCausalLM") {
      c.qkv_bias = true;  // Qwen2 always has q/k/v biases and none on o_proj
      if (k.boolean("use_sliding_window", false)) c.sliding_window = k.integer("sliding_window", 0);
    } else {
      c.qkv_bias = c.o_bias = k.boolean("attention_bias", false);
      c.mlp_bias = c.architecture == "LlamaForCausalLM" && k.boolean("mlp_bias", false);
    }
    if (c.architecture == "MistralForCausalLM") c.sliding_window = k.integer("sliding_window", 0);
    if (c.architecture == "Qwen3ForCausalLM") {
      c.qk_norm = true;
      if (k.boolean("use_sliding_window", false)) c.sliding_window = k.integer("sliding_window", 0);
    }
    if (k.number("attention_dropout", 0.0) != 0.0)
      std::fprintf(stderr, "warning: %s: attention_dropout is ignored by instill\n", where.c_str());
  }
  if (c.head_dim == 0) {
    if (c.num_heads <= 0 || c.hidden_size % c.num_heads != 0)
      throw Error(where + ": hidden size " + std::to_string(c.hidden_size) +
                  " is not divisible by the number of heads " + std::to_string(c.num_heads));
    c.head_dim = c.hidden_size / c.num_heads;
  }
  if (c.num_kv_heads <= 0 || c.num_heads % c.num_kv_heads != 0)
    throw Error(where + ": the number of attention heads (" + std::to_string(c.num_heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(c.num_kv_heads) +
                ")");
  if (c.head_dim % 2 != 0 && c.family == HfFamily::kLlama)
    throw Error(where + ": head_dim must be even for rotary embeddings");
  for (int64_t v : {c.vocab_size, c.hidden_size, c.intermediate_size, c.num_layers})
    if (v <= 0) throw Error(where + ": sizes must be positive");
  return c;
}

HfModelConfig HfModelConfig::from_file(const std::filesystem::path& config_json) {
  Value doc;
  try {
    doc = json_loads(read_file(config_json));
  } catch (const Error& e) {
    throw Error(config_json.string() + ": " + e.what());
  }
  return from_json(doc, config_json.string());
}

Value HfModelConfig::to_json() const {
  Value out = document.deep_copy();
  out.as_map().set("vocab_size", vocab_size);
  out.as_map().set("torch_dtype", torch_dtype);
  return out;
}

}  // namespace instill::train
