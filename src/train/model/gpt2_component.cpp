#include "train/model/gpt2_component.hpp"

#include <iostream>

#include "train/model/gpt2.hpp"
#include "train/model/gpt2_fields.hpp"

namespace instill::train {

using config::ComponentConfig;
using config::Field;
using config::Schema;

namespace {

// {norm_type, config}; the config's keys depend on the norm type (see norm_from).
Field norm_field(std::string name) {
  return Field::map(
      std::move(name),
      Schema{Field::one_of("norm_type", {"layer_norm", "rms_norm", "pytorch_rms_norm"}),
             Field::map("config").defaults(Value(ValueMap{}))});
}

// {qkv_transforms: [{type_hint, config}], qk_norm_config}
Field attention_field() {
  return Field::map(
      "attention_config",
      Schema{Field::list("qkv_transforms")
                 .of(Schema{Field::one_of("type_hint", {"RotaryTransform", "IdentityTransform"}),
                            Field::map("config").defaults(Value(ValueMap{}))})
                 .defaults(Value(ValueList{})),
             Field::any("qk_norm_config").optional()});
}

Schema gpt2_schema() {
  std::vector<Field> fields;
  for (const auto& f : gpt2_fields())
    if (f.yaml) fields.push_back(*f.yaml);
  fields.push_back(Field::boolean("use_meta_device").defaults(false));
  fields.push_back(attention_field());
  for (const char* norm : {"attention_norm_config", "ffn_norm_config", "lm_head_norm_config"})
    fields.push_back(norm_field(norm));
  return Schema(std::move(fields));
}

// The norm's own config, as the reference's three norm classes name their keys.
NormConfig norm_from(const ComponentConfig& c, const std::string& name, int64_t n_embd) {
  const ValueMap& m = c.get(name).as_map();
  const std::string& type = m.at("norm_type").as_string();
  const bool rms = type == "rms_norm";
  const char* eps_key = rms ? "epsilon" : "eps";
  const char* dim_key = rms ? "ndim" : "normalized_shape";
  const std::string path = c.key_path() + "." + name + ".config";
  const Value config =
      Schema{
          Field::integer(dim_key).optional(),
          Field::number(eps_key).greater_than(0).defaults(type == "pytorch_rms_norm" ? 1e-6 : 1e-5),
          Field::boolean("bias").defaults(true)}
          .open()
          .validate(m.at("config"), path, "norm_type " + type);
  const Value& dim = config.as_map().at(dim_key);
  if (!dim.is_null() && dim.as_int() != n_embd)
    throw config::key_error(
        path + "." + dim_key,
        std::to_string(dim.as_int()) + " must equal n_embd (" + std::to_string(n_embd) + ")");
  NormConfig n;
  n.type = type == "layer_norm" ? NormConfig::Type::kLayerNorm : NormConfig::Type::kRmsNorm;
  n.eps = config.as_map().at(eps_key).to_double();
  // layer_norm always has a bias, pytorch_rms_norm never.
  n.bias = type == "layer_norm" || (rms && config.as_map().at("bias").as_bool());
  return n;
}

// RoPE from a RotaryTransform in attention_config.qkv_transforms.
void read_attention_config(const ComponentConfig& c, Gpt2Config& g) {
  const ValueMap& ac = c.get("attention_config").as_map();
  if (!ac.at("qk_norm_config").is_null())
    throw c.error("attention_config.qk_norm_config",
                  "QK normalisation is not supported by instill's gpt2 yet");
  const ValueList& transforms = ac.at("qkv_transforms").as_list();
  for (size_t i = 0; i < transforms.size(); ++i) {
    const ValueMap& t = transforms[i].as_map();
    if (t.at("type_hint").as_string() == "IdentityTransform") continue;
    const std::string path =
        config::join_index(c.key_path() + ".attention_config.qkv_transforms", i) + ".config";
    const Value rc = Schema{Field::integer("n_embd"), Field::integer("n_head").greater_than(0),
                            Field::integer("seq_length_dim").defaults(-2).literal(Value(-2)),
                            Field::number("base_freq").defaults(10000.0)}
                         .validate(t.at("config"), path, "RotaryTransform");
    g.rope = true;
    g.rope_head_dim = rc.as_map().at("n_embd").as_int() / rc.as_map().at("n_head").as_int();
    g.rope_base = rc.as_map().at("base_freq").to_double();
  }
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

void warn_about_the_config(const ComponentConfig& c) {
  if (c.get_string("attention_implementation") == "dao_flash")
    std::cerr << "note: " << c.key_path()
              << ".attention_implementation dao_flash runs as libtorch's fused attention\n";
  for (const char* f : {"ffn_hidden", "vocab_size", "n_embd"})
    if (c.get_int(f) % 128 != 0)
      std::cerr << "warning: " << c.key_path() << "." << f << " = " << c.get_int(f)
                << " is not divisible by 128 (the reference requires it; instill accepts it)\n";
}

std::shared_ptr<config::Component> build_gpt2(const ComponentConfig& c) {
  Gpt2Config g;
  for (const auto& f : gpt2_fields())
    if (f.yaml) f.set(g, c.get(f.yaml->name()));
  if (g.use_weight_tying && c.get_bool("use_meta_device"))
    throw c.error("use_meta_device",
                  "cannot be combined with use_weight_tying (as in the reference)");
  read_attention_config(c, g);
  g.attention_norm = norm_from(c, "attention_norm_config", g.n_embd);
  g.ffn_norm = norm_from(c, "ffn_norm_config", g.n_embd);
  g.lm_head_norm = norm_from(c, "lm_head_norm_config", g.n_embd);
  warn_about_the_config(c);
  try {
    return std::make_shared<Gpt2CausalLM>(g);
  } catch (const Error& e) {
    throw c.error("", e);
  } catch (const std::exception& e) {
    // libtorch's allocator text names no key; the sizes that made the model do.
    throw c.error("", "cannot build the model (vocab_size " + std::to_string(g.vocab_size) +
                          ", n_embd " + std::to_string(g.n_embd) + ", n_layer " +
                          std::to_string(g.n_layer) + ", sequence_length " +
                          std::to_string(g.sequence_length) + "): " + first_line(e.what()));
  }
}

}  // namespace

void register_gpt2_model(config::Registry& registry) {
  registry.add("model", "gpt2", gpt2_schema(), build_gpt2);
}

}  // namespace instill::train
