#include "train/model/hf_config.hpp"

#include "config/key_error.hpp"
#include "config/schema.hpp"
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

using config::Field;
using config::FieldKind;
using config::Schema;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Field count(std::string name) { return Field::integer(std::move(name)).strict(); }
Field number(std::string name, double fallback) {
  return Field::number(std::move(name)).strict().defaults(fallback);
}
Field flag(std::string name, bool fallback) {
  return Field::boolean(std::move(name)).defaults(fallback);
}

// The keys instill reads, per family; config.json's other keys pass through unread.
const Schema& common_schema() {
  static const Schema kSchema =
      Schema{Field::list("architectures").of(FieldKind::kString),
             Field::string("torch_dtype").defaults("float32"), count("vocab_size")}
          .open();
  return kSchema;
}

const Schema& gpt2_schema() {
  static const Schema kSchema =
      Schema{count("n_embd"),
             count("n_layer"),
             count("n_head"),
             count("n_inner").optional(),
             count("n_positions"),
             number("layer_norm_epsilon", 1e-5),
             Field::one_of("activation_function", {"gelu_new", "gelu_pytorch_tanh", "gelu"})
                 .defaults("gelu_new"),
             flag("tie_word_embeddings", true),
             number("resid_pdrop", 0.1),
             flag("scale_attn_by_inverse_layer_idx", false).literal(Value(false)),
             flag("reorder_and_upcast_attn", false).literal(Value(false)),
             flag("scale_attn_weights", true).literal(Value(true))}
          .open();
  return kSchema;
}

const Schema& llama_schema() {
  static const Schema kSchema = Schema{count("hidden_size"),
                                       count("intermediate_size"),
                                       count("num_hidden_layers"),
                                       count("num_attention_heads"),
                                       count("num_key_value_heads").optional(),
                                       count("head_dim").defaults(0),
                                       count("max_position_embeddings").defaults(0),
                                       number("rms_norm_eps", 1e-6),
                                       number("rope_theta", 10000.0),
                                       Field::map("rope_scaling").optional(),
                                       Field::one_of("hidden_act", {"silu"}).defaults("silu"),
                                       flag("tie_word_embeddings", false),
                                       flag("use_sliding_window", false),
                                       count("sliding_window").defaults(0),
                                       flag("attention_bias", false),
                                       flag("mlp_bias", false),
                                       number("attention_dropout", 0.0)}
                                    .open();
  return kSchema;
}

// config.json writes null for "not set"; the schemas' defaults stand for that.
Value without_nulls(const Value& v) {
  if (!v.is_map()) return v;
  ValueMap out;
  for (const auto& [key, value] : v.as_map())
    if (!value.is_null()) out.set(key, value);
  return Value(std::move(out));
}

RopeScaling parse_rope_scaling(const Value& v) {
  static const Schema kSchema =
      Schema{Field::string("rope_type").optional(),
             Field::string("type").optional(),
             Field::number("factor").strict().greater_than(0).defaults(1.0),
             Field::number("low_freq_factor").strict().defaults(1.0),
             Field::number("high_freq_factor").strict().defaults(4.0),
             count("original_max_position_embeddings").optional()}
          .open();
  RopeScaling r;
  if (v.is_null()) return r;
  const Value s = kSchema.validate(without_nulls(v), "rope_scaling", "rope_scaling");
  const ValueMap& m = s.as_map();
  const std::string type = m.at("rope_type").is_string() ? m.at("rope_type").as_string()
                           : m.at("type").is_string()    ? m.at("type").as_string()
                                                         : "";
  if (type == "default" || type.empty()) return r;
  r.factor = m.at("factor").to_double();
  if (type == "linear") {
    r.type = RopeScaling::Type::kLinear;
  } else if (type == "llama3") {
    r.type = RopeScaling::Type::kLlama3;
    r.low_freq_factor = m.at("low_freq_factor").to_double();
    r.high_freq_factor = m.at("high_freq_factor").to_double();
    if (m.at("original_max_position_embeddings").is_null())
      throw config::key_error("rope_scaling.original_max_position_embeddings",
                              "required for llama3 rope scaling");
    r.original_max_position_embeddings = m.at("original_max_position_embeddings").as_int();
    if (r.high_freq_factor <= r.low_freq_factor)
      throw config::key_error("rope_scaling", "high_freq_factor must exceed low_freq_factor");
  } else {
    throw config::key_error("rope_scaling", "rope type \"" + type +
                                                "\" is not supported (supported: default, "
                                                "linear, llama3)");
  }
  return r;
}

void read_gpt2(const ValueMap& m, HfModelConfig& c) {
  c.family = HfFamily::kGpt2;
  c.hidden_size = m.at("n_embd").as_int();
  c.num_layers = m.at("n_layer").as_int();
  c.num_heads = c.num_kv_heads = m.at("n_head").as_int();
  c.intermediate_size = m.at("n_inner").is_null() ? 4 * c.hidden_size : m.at("n_inner").as_int();
  c.max_positions = m.at("n_positions").as_int();
  c.norm_eps = m.at("layer_norm_epsilon").to_double();
  c.hidden_act = m.at("activation_function").as_string();
  c.tie_word_embeddings = m.at("tie_word_embeddings").as_bool();
  c.qkv_bias = c.o_bias = c.mlp_bias = true;
  c.dropout = m.at("resid_pdrop").to_double();
}

void read_llama(const ValueMap& m, HfModelConfig& c, const std::string& where) {
  c.family = HfFamily::kLlama;
  auto integer = [&](const char* key) { return m.at(key).as_int(); };
  auto boolean = [&](const char* key) { return m.at(key).as_bool(); };
  c.hidden_size = integer("hidden_size");
  c.intermediate_size = integer("intermediate_size");
  c.num_layers = integer("num_hidden_layers");
  c.num_heads = integer("num_attention_heads");
  c.num_kv_heads =
      m.at("num_key_value_heads").is_null() ? c.num_heads : integer("num_key_value_heads");
  c.head_dim = integer("head_dim");
  c.max_positions = integer("max_position_embeddings");
  c.norm_eps = m.at("rms_norm_eps").to_double();
  c.rope_theta = m.at("rope_theta").to_double();
  c.rope_scaling = parse_rope_scaling(m.at("rope_scaling"));
  c.hidden_act = m.at("hidden_act").as_string();
  c.tie_word_embeddings = boolean("tie_word_embeddings");
  const std::string& arch = c.architecture;
  if (arch == "Qwen2ForCausalLM") {
    c.qkv_bias = true;  // Qwen2 always has q/k/v biases and none on o_proj
  } else {
    c.qkv_bias = c.o_bias = boolean("attention_bias");
    c.mlp_bias = arch == "LlamaForCausalLM" && boolean("mlp_bias");
  }
  const bool qwen = arch == "Qwen2ForCausalLM" || arch == "Qwen3ForCausalLM";
  if (arch == "MistralForCausalLM" || (qwen && boolean("use_sliding_window")))
    c.sliding_window = integer("sliding_window");
  c.qk_norm = arch == "Qwen3ForCausalLM";
  if (m.at("attention_dropout").to_double() != 0.0)
    std::fprintf(stderr, "warning: %s: attention_dropout is ignored by instill\n", where.c_str());
}

void check_shapes(HfModelConfig& c) {
  if (c.head_dim == 0) {
    if (c.num_heads <= 0 || c.hidden_size % c.num_heads != 0)
      throw Error("hidden size " + std::to_string(c.hidden_size) +
                  " is not divisible by the number of heads " + std::to_string(c.num_heads));
    c.head_dim = c.hidden_size / c.num_heads;
  }
  if (c.num_kv_heads <= 0 || c.num_heads % c.num_kv_heads != 0)
    throw Error("the number of attention heads (" + std::to_string(c.num_heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(c.num_kv_heads) +
                ")");
  if (c.head_dim % 2 != 0 && c.family == HfFamily::kLlama)
    throw Error("head_dim must be even for rotary embeddings");
  for (int64_t v : {c.vocab_size, c.hidden_size, c.intermediate_size, c.num_layers})
    if (v <= 0) throw Error("sizes must be positive");
}

HfModelConfig read_config(const Value& document, const std::string& where) {
  const std::string owner = "a Hugging Face config.json";
  const Value present = without_nulls(document);
  const Value common = common_schema().validate(present, "", owner);
  HfModelConfig c;
  c.document = document.deep_copy();
  const ValueList& archs = common.as_map().at("architectures").as_list();
  if (archs.empty()) throw config::key_error("architectures", "expected a non-empty list");
  c.architecture = archs[0].as_string();
  const auto& supported = supported_hf_architectures();
  if (std::find(supported.begin(), supported.end(), c.architecture) == supported.end())
    throw Error("architecture " + c.architecture + " is not supported; instill supports " +
                join(supported));
  c.torch_dtype = common.as_map().at("torch_dtype").as_string();
  c.vocab_size = common.as_map().at("vocab_size").as_int();
  if (c.architecture == "GPT2LMHeadModel")
    read_gpt2(gpt2_schema().validate(present, "", owner).as_map(), c);
  else
    read_llama(llama_schema().validate(present, "", owner).as_map(), c, where);
  check_shapes(c);
  return c;
}

}  // namespace

HfModelConfig HfModelConfig::from_json(const Value& document, const std::string& where) {
  try {
    return read_config(document, where);
  } catch (const Error& e) {
    throw e.with_context(where);
  }
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
