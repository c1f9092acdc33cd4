#pragma once
// The component registry: (component_key, variant_key) -> schema + factory. Areas
// register their components in a register_<area>_components(Registry&) function:
//
//   registry.add("dataset", "packed_mem_map_dataset_continuous",
//                Schema{Field::path("raw_data_path"),
//                Field::integer("sequence_length").greater_than(1)},
//                [](const ComponentConfig& c) { return std::make_shared<Dataset>(...); });
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "config/config_document.hpp"
#include "config/schema.hpp"

namespace instill::config {

using Factory = std::function<std::shared_ptr<Component>(const ComponentConfig&)>;

struct ComponentVariant {
  std::string component_key;
  std::string variant_key;
  Schema schema;
  Factory factory;
};

class Registry {
 public:
  void add(std::string component_key, std::string variant_key, Schema schema, Factory factory);
  // Also registers the variant under other names (e.g. "fsdp2" -> instill's clipper).
  void alias(const std::string& component_key, const std::string& alias_variant,
             const std::string& target_variant);
  // Throws with the registered alternatives listed when unknown.
  const ComponentVariant& find(const std::string& component_key, const std::string& variant_key,
                               const std::string& key_path) const;
  std::vector<std::string> component_keys() const;
  std::vector<std::string> variants(const std::string& component_key) const;

 private:
  std::map<std::string, std::map<std::string, ComponentVariant>> entries_;
};

// Builds components from a resolved config (spec §3): component definitions
// ({component_key, variant_key, config}) are built depth-first, children first; references
// ({instance_key, pass_type}) build the named top-level entry once and share it; top-level
// definitions are memoised, nested ones are built anew each time they appear.
class ComponentBuilder {
 public:
  ComponentBuilder(const Registry& registry, const ConfigDocument& doc);

  // Builds (or returns the memoised) top-level entry `key`. The result is the built tree:
  // a ComponentValue for a component definition, otherwise the value with its nested
  // components built.
  Value build(const std::string& key);
  template <typename T>
  std::shared_ptr<T> build_component(const std::string& key) {
    Value v = build(key);
    auto cv = v.object_as<ComponentValue>();
    auto typed = cv ? std::dynamic_pointer_cast<T>(cv->component()) : nullptr;
    if (!typed)
      throw Error(doc_.where(key) + key + ": expected a component of the right kind here");
    return typed;
  }

 private:
  Value build_node(const Value& v, const std::string& path);
  Value build_definition(const ValueMap& def, const std::string& path);

  const Registry& registry_;
  const ConfigDocument& doc_;
  std::map<std::string, Value> built_;
  std::set<std::string> in_progress_;
};

}  // namespace instill::config
