#pragma once
// The one table of gpt2 model settings. Each row ties a Gpt2Config member to its key in the
// model/gpt2 component config (YAML, with type, range and default), in a checkpoint's
// model.json and in an exported Hugging Face config.json. The component's schema, model.json
// (describe_gpt2_config / gpt2_config_from_description) and the export all read this table,
// so a setting is added or renamed in one place.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.hpp"
#include "core/value.hpp"
#include "train/model/gpt2.hpp"

namespace instill::train {

struct Gpt2Field {
  std::optional<config::Field> yaml;       // the component config key; none: not configurable
  std::string json_key;                    // the model.json key; "": not recorded
  bool json_optional = false;              // model.json may lack it (then the default stays)
  std::vector<std::string> hf_gpt2_keys;   // GPT2LMHeadModel config.json keys it sets
  std::vector<std::string> hf_llama_keys;  // LlamaForCausalLM config.json keys it sets
  // The member as model.json writes it (null: nothing to write).
  std::function<Value(const Gpt2Config&)> get;
  // Sets the member from its model.json value or its validated YAML value.
  std::function<void(Gpt2Config&, const Value&)> set;
};

const std::vector<Gpt2Field>& gpt2_fields();

// Writes the table's Hugging Face keys of `config` into a config.json mapping.
void set_hf_gpt2_keys(const Gpt2Config& config, ValueMap& hf_config);
void set_hf_llama_keys(const Gpt2Config& config, ValueMap& hf_config);

}  // namespace instill::train
