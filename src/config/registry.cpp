#include "config/registry.hpp"

#include "config/key_error.hpp"
#include "core/error.hpp"

namespace instill::config {

void Registry::add(std::string component_key, std::string variant_key, Schema schema,
                   Factory factory) {
  auto& variants = entries_[component_key];
  if (variants.count(variant_key))
    throw std::logic_error("component " + component_key + "." + variant_key + " registered twice");
  variants.emplace(variant_key, ComponentVariant{component_key, variant_key, std::move(schema),
                                                 std::move(factory)});
}

void Registry::alias(const std::string& component_key, const std::string& alias_variant,
                     const std::string& target_variant) {
  const ComponentVariant& target = find(component_key, target_variant, "");
  ComponentVariant copy = target;
  copy.variant_key = alias_variant;
  entries_[component_key].emplace(alias_variant, std::move(copy));
}

const ComponentVariant& Registry::find(const std::string& component_key,
                                       const std::string& variant_key,
                                       const std::string& key_path) const {
  auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? std::string("none") : s;
  };
  const std::string where = key_path.empty() ? "" : key_path + ": ";
  auto it = entries_.find(component_key);
  if (it == entries_.end())
    throw Error(where + "unknown component_key \"" + component_key +
                "\" (registered: " + list(component_keys()) + ")");
  auto vit = it->second.find(variant_key);
  if (vit == it->second.end())
    throw Error(where + "unknown variant_key \"" + variant_key + "\" for component_key \"" +
                component_key + "\" (registered variants: " + list(variants(component_key)) + ")");
  return vit->second;
}

std::vector<std::string> Registry::component_keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

std::vector<std::string> Registry::variants(const std::string& component_key) const {
  std::vector<std::string> out;
  auto it = entries_.find(component_key);
  if (it != entries_.end())
    for (const auto& [k, v] : it->second) out.push_back(k);
  return out;
}

ComponentBuilder::ComponentBuilder(const Registry& registry, const ConfigDocument& doc)
    : registry_(registry), doc_(doc) {}

Value ComponentBuilder::build(const std::string& key) {
  if (auto it = built_.find(key); it != built_.end()) return it->second;
  if (!doc_.root.is_map())
    throw Error(doc_.source + ": the config must be a mapping at the top level");
  const Value* node = doc_.root.as_map().find(key);
  if (!node) {
    std::string keys;
    for (const auto& [k, v] : doc_.root.as_map()) keys += (keys.empty() ? "" : ", ") + k;
    throw Error(doc_.source + ": top-level key \"" + key +
                "\" is missing (top-level keys: " + keys + ")");
  }
  if (!in_progress_.insert(key).second)
    throw Error(doc_.where(key) + key + ": reference cycle: building it requires itself");
  Value result = build_node(*node, key);
  in_progress_.erase(key);
  built_[key] = result;
  return result;
}

Value ComponentBuilder::build_node(const Value& v, const std::string& path) {
  if (v.is_map()) {
    const ValueMap& m = v.as_map();
    if (m.contains("component_key")) return build_definition(m, path);
    if (m.size() == 2 && m.contains("instance_key") && m.contains("pass_type")) {
      const Value& target = m.at("instance_key");
      if (!target.is_string())
        throw Error(doc_.where(path) + path + ".instance_key: expected a top-level key name, got " +
                    describe_value(target));
      // pass_type is accepted but, as in the reference, BY_VALUE also shares the instance.
      const std::string& name = target.as_string();
      if (!doc_.root.as_map().contains(name)) {
        std::string keys;
        for (const auto& [k, val] : doc_.root.as_map()) keys += (keys.empty() ? "" : ", ") + k;
        throw Error(doc_.where(path) + path + ".instance_key: no top-level entry \"" + name +
                    "\" to refer to (top-level keys: " + keys + ")");
      }
      if (in_progress_.count(name))
        throw Error(doc_.where(path) + path + ": reference cycle through \"" + name + "\"");
      return build(name);
    }
    ValueMap out;
    for (const auto& [k, child] : m) out.set(k, build_node(child, join_key(path, k)));
    return Value(std::move(out));
  }
  if (v.is_sequence()) {
    ValueList out;
    const auto& items = v.as_list();
    for (size_t i = 0; i < items.size(); ++i)
      out.push_back(build_node(items[i], join_index(path, i)));
    return v.is_tuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
  }
  return v;
}

Value ComponentBuilder::build_definition(const ValueMap& def, const std::string& path) {
  for (const auto& [k, val] : def) {
    if (k != "component_key" && k != "variant_key" && k != "config")
      throw Error(doc_.where(join_key(path, k)) + join_key(path, k) +
                  ": unexpected key in a component definition (expected component_key, "
                  "variant_key, config)");
  }
  const Value* ck = def.find("component_key");
  const Value* vk = def.find("variant_key");
  if (!ck->is_string())
    throw Error(doc_.where(path) + path + ".component_key: expected a string, got " +
                describe_value(*ck));
  if (!vk || !vk->is_string())
    throw Error(doc_.where(path) + path + ".variant_key: expected a string" +
                (vk ? ", got " + describe_value(*vk) : std::string(", but it is missing")));
  const ComponentVariant& variant =
      registry_.find(ck->as_string(), vk->as_string(), doc_.where(path) + path);
  const std::string config_path = join_key(path, "config");
  const Value* cfg = def.find("config");
  Value raw = cfg && !cfg->is_null() ? *cfg : Value(ValueMap{});
  Value built_children = build_node(raw, config_path);
  const std::string owner = "component " + variant.component_key + "." + variant.variant_key;
  Value validated = variant.schema.validate(built_children, config_path, owner, &doc_);
  std::shared_ptr<Component> component;
  try {
    component = variant.factory(ComponentConfig(std::move(validated), config_path));
  } catch (const Error& e) {
    throw located(e, doc_, config_path);  // factories name their own key paths
  }
  // Number conversions *are* numbers in the reference: hand on the plain value, so integer
  // fields accept them.
  if (auto n = std::dynamic_pointer_cast<ValueComponent<int64_t>>(component))
    return Value(n->value);
  if (auto x = std::dynamic_pointer_cast<ValueComponent<double>>(component)) return Value(x->value);
  return Value::object(
      std::make_shared<ComponentValue>(variant.component_key, variant.variant_key, component));
}

}  // namespace instill::config
