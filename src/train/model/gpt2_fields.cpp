#include "train/model/gpt2_fields.hpp"

#include <cstdint>
#include <type_traits>

#include "core/error.hpp"

namespace instill::train {

using config::Field;

namespace {

// A member stored as is: int64_t, double, bool or std::string.
// A model.json value goes through the YAML key's checks (type and range) too: a checkpoint is
// a file from anywhere, and e.g. a zero multiple would divide by zero.
template <typename T>
Gpt2Field plain(std::optional<Field> yaml, std::string json_key, T Gpt2Config::*member) {
  Gpt2Field f{yaml, json_key};
  f.get = [member](const Gpt2Config& c) { return Value(c.*member); };
  f.set = [member, yaml, json_key](Gpt2Config& c, const Value& given) {
    const Value v = yaml ? yaml->validate(given, json_key) : given;
    if constexpr (std::is_same_v<T, int64_t>) c.*member = v.as_int();
    if constexpr (std::is_same_v<T, double>) c.*member = v.to_double();
    if constexpr (std::is_same_v<T, bool>) c.*member = v.as_bool();
    if constexpr (std::is_same_v<T, std::string>) c.*member = v.as_string();
  };
  return f;
}

// An enum member with its spellings: the first is model.json's, the others are accepted
// too (the YAML's names where they differ).
template <typename E>
Gpt2Field named(std::optional<Field> yaml, std::string json_key, E Gpt2Config::*member,
                std::vector<std::pair<E, std::vector<std::string>>> spellings) {
  Gpt2Field f{std::move(yaml), std::move(json_key)};
  f.get = [member, spellings](const Gpt2Config& c) {
    for (const auto& [value, names] : spellings)
      if (c.*member == value) return Value(names.front());
    return Value();
  };
  f.set = [member, spellings, key = f.json_key](Gpt2Config& c, const Value& v) {
    for (const auto& [value, names] : spellings)
      for (const auto& name : names)
        if (v.is_string() && v.as_string() == name) {
          c.*member = value;
          return;
        }
    throw Error(key + ": unknown value " + config::describe_value(v));
  };
  return f;
}

Gpt2Field exported(Gpt2Field f, std::vector<std::string> gpt2_keys,
                   std::vector<std::string> llama_keys) {
  f.hf_gpt2_keys = std::move(gpt2_keys);
  f.hf_llama_keys = std::move(llama_keys);
  return f;
}

std::vector<Gpt2Field> make_table() {
  using C = Gpt2Config;
  std::vector<Gpt2Field> t;
  t.push_back(plain(Field::string("sample_key"), "sample_key", &C::sample_key));
  t.push_back(plain(Field::string("prediction_key"), "prediction_key", &C::prediction_key));
  t.push_back(exported(plain(Field::boolean("use_weight_tying").defaults(false), "use_weight_tying",
                             &C::use_weight_tying),
                       {"tie_word_embeddings"}, {"tie_word_embeddings"}));
  t.push_back(named(Field::one_of("poe_type", {"NOPE", "ABSOLUTE"}), "positions", &C::positions,
                    {{C::Positions::kAbsolute, {"ABSOLUTE"}}, {C::Positions::kNone, {"NOPE"}}}));
  t.push_back(exported(plain(Field::integer("sequence_length").at_least(1).at_most(1 << 24),
                             "sequence_length", &C::sequence_length),
                       {"n_positions", "n_ctx"}, {"max_position_embeddings"}));
  t.push_back(exported(plain(Field::integer("vocab_size").at_least(1).at_most(INT32_MAX),
                             "vocab_size", &C::vocab_size),
                       {"vocab_size"}, {"vocab_size"}));
  t.push_back(exported(
      plain(Field::integer("n_layer").at_least(1).at_most(1 << 12), "n_layer", &C::n_layer),
      {"n_layer"}, {"num_hidden_layers"}));
  t.push_back(exported(
      plain(Field::integer("n_head_q").at_least(1).at_most(1 << 16), "n_head_q", &C::n_head_q),
      {"n_head"}, {"num_attention_heads"}));
  t.push_back(exported(
      plain(Field::integer("n_head_kv").at_least(1).at_most(1 << 16), "n_head_kv", &C::n_head_kv),
      {}, {"num_key_value_heads"}));
  t.push_back(
      exported(plain(Field::integer("n_embd").at_least(1).at_most(1 << 20), "n_embd", &C::n_embd),
               {"n_embd"}, {"hidden_size"}));
  t.push_back(exported(plain(Field::integer("ffn_hidden").at_least(1).at_most(1 << 24),
                             "ffn_hidden", &C::ffn_hidden),
                       {"n_inner"}, {}));
  t.push_back(plain(Field::number("dropout").at_least(0), "dropout", &C::dropout));
  t.push_back(exported(plain(Field::boolean("bias").defaults(true), "bias", &C::bias), {},
                       {"attention_bias", "mlp_bias"}));
  t.push_back(plain(std::nullopt, "rope", &C::rope));  // from attention_config's transforms
  t.push_back(exported(plain(std::nullopt, "rope_base", &C::rope_base), {}, {"rope_theta"}));
  t.push_back(plain(std::nullopt, "rope_head_dim", &C::rope_head_dim));
  t.push_back(
      named(Field::one_of("attention_implementation", {"manual", "pytorch_flash", "dao_flash"}),
            "attention", &C::attention,
            {{C::Attention::kManual, {"manual"}},
             {C::Attention::kSdpa, {"sdpa", "pytorch_flash", "dao_flash"}}}));
  t.push_back(named(Field::one_of("activation_type", {"gelu", "swiglu"}), "activation",
                    &C::activation,
                    {{C::Activation::kGelu, {"gelu"}},
                     {C::Activation::kGeluTanh, {"gelu_tanh"}},
                     {C::Activation::kSwiglu, {"swiglu"}}}));
  t.push_back(
      plain(Field::integer("enforce_swiglu_hidden_dim_multiple_of").at_least(1).defaults(256),
            "swiglu_hidden_multiple", &C::swiglu_hidden_multiple));
  Gpt2Field seed{Field::integer("seed").optional(), ""};  // initialisation only, not recorded
  seed.get = [](const C& c) { return c.seed ? Value(static_cast<int64_t>(*c.seed)) : Value(); };
  seed.set = [](C& c, const Value& v) {
    c.seed = v.is_null() ? std::nullopt : std::optional<uint64_t>(v.as_int());
  };
  t.push_back(std::move(seed));
  Gpt2Field hf{std::nullopt, "hf_config", /*json_optional=*/true};  // a GPT-2 import's config
  hf.get = [](const C& c) { return c.hf_config; };
  hf.set = [](C& c, const Value& v) { c.hf_config = v; };
  t.push_back(std::move(hf));
  return t;
}

Value describe_norm(const NormConfig& n) {
  ValueMap m;
  m.set("type", n.type == NormConfig::Type::kLayerNorm ? "layer_norm" : "rms_norm");
  m.set("eps", n.eps);
  m.set("bias", n.bias);
  return Value(std::move(m));
}

NormConfig norm_from(const Value& v, const std::string& key) {
  static const config::Schema kNorm{Field::one_of("type", {"layer_norm", "rms_norm"}),
                                    Field::number("eps").greater_than(0), Field::boolean("bias")};
  const Value checked = kNorm.validate(v, key, "a norm description");
  NormConfig n;
  n.type = checked.as_map().at("type").as_string() == "layer_norm" ? NormConfig::Type::kLayerNorm
                                                                   : NormConfig::Type::kRmsNorm;
  n.eps = checked.as_map().at("eps").to_double();
  n.bias = checked.as_map().at("bias").as_bool();
  return n;
}

const std::pair<const char*, NormConfig Gpt2Config::*> kNorms[] = {
    {"attention_norm", &Gpt2Config::attention_norm},
    {"ffn_norm", &Gpt2Config::ffn_norm},
    {"lm_head_norm", &Gpt2Config::lm_head_norm}};

}  // namespace

const std::vector<Gpt2Field>& gpt2_fields() {
  static const std::vector<Gpt2Field> kTable = make_table();
  return kTable;
}

Value describe_gpt2_config(const Gpt2Config& c) {
  ValueMap m;
  m.set("architecture", "gpt2");
  for (const auto& f : gpt2_fields())
    if (Value v = f.get(c); !f.json_key.empty() && !v.is_null()) m.set(f.json_key, std::move(v));
  for (const auto& [key, member] : kNorms) m.set(key, describe_norm(c.*member));
  return Value(std::move(m));
}

Gpt2Config gpt2_config_from_description(const Value& d) {
  const ValueMap& m = d.as_map();
  Gpt2Config c;
  for (const auto& f : gpt2_fields()) {
    if (f.json_key.empty()) continue;
    if (const Value* v = m.find(f.json_key)) {
      f.set(c, *v);
    } else if (!f.json_optional) {
      throw Error("missing \"" + f.json_key + "\"");
    }
  }
  for (const auto& [key, member] : kNorms) {
    const Value* norm = m.find(key);
    if (!norm) throw Error("missing \"" + std::string(key) + "\"");
    c.*member = norm_from(*norm, key);
  }
  return c;
}

void set_hf_gpt2_keys(const Gpt2Config& config, ValueMap& hf_config) {
  for (const auto& f : gpt2_fields())
    for (const auto& key : f.hf_gpt2_keys) hf_config.set(key, f.get(config));
}

void set_hf_llama_keys(const Gpt2Config& config, ValueMap& hf_config) {
  for (const auto& f : gpt2_fields())
    for (const auto& key : f.hf_llama_keys) hf_config.set(key, f.get(config));
}

}  // namespace instill::train
