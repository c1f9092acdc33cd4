#pragma once
// What the registry builds. Every built object derives from Component and travels through
// config trees inside a Value (as a ComponentValue), so schemas can check "a component of
// kind dataset" and factories can take their already-built children.
#include <memory>
#include <string>

#include "config/config_document.hpp"
#include "config/key_error.hpp"
#include "core/error.hpp"
#include "core/value.hpp"

namespace instill::config {

class Component {
 public:
  virtual ~Component() = default;
};

// A plain value produced by a component (e.g. number_conversion results are ints).
template <typename T>
class ValueComponent : public Component {
 public:
  explicit ValueComponent(T v) : value(std::move(v)) {}
  T value;
};

class ComponentValue : public ValueObject {
 public:
  ComponentValue(std::string component_key, std::string variant_key,
                 std::shared_ptr<Component> component)
      : component_key_(std::move(component_key)),
        variant_key_(std::move(variant_key)),
        component_(std::move(component)) {}
  std::string type_name() const override { return qualified_name(); }
  std::string qualified_name() const { return component_key_ + "." + variant_key_; }
  const std::string& component_key() const { return component_key_; }
  const std::string& variant_key() const { return variant_key_; }
  const std::shared_ptr<Component>& component() const { return component_; }

 private:
  std::string component_key_, variant_key_;
  std::shared_ptr<Component> component_;
};

// A validated config handed to a factory: typed getters that cannot fail silently.
class ComponentConfig {
 public:
  ComponentConfig(Value validated, std::string key_path)
      : values_(std::move(validated)), key_path_(std::move(key_path)) {}

  const Value& get(const std::string& name) const;
  bool is_null(const std::string& name) const { return get(name).is_null(); }
  int64_t get_int(const std::string& name) const { return get(name).as_int(); }
  double get_float(const std::string& name) const { return get(name).to_double(); }
  bool get_bool(const std::string& name) const { return get(name).as_bool(); }
  const std::string& get_string(const std::string& name) const { return get(name).as_string(); }
  template <typename T>
  std::shared_ptr<T> get_component(const std::string& name) const {
    auto cv = get(name).object_as<ComponentValue>();
    auto typed = cv ? std::dynamic_pointer_cast<T>(cv->component()) : nullptr;
    if (!typed)
      throw Error(key_path_ + "." + name + ": the component given here has the wrong type" +
                  (cv ? " (" + cv->qualified_name() + ")" : std::string()));
    return typed;
  }
  const std::string& key_path() const { return key_path_; }
  const Value& values() const { return values_; }
  // An error about the key `name` of this config ("" for the config as a whole); the
  // builder adds the file and line.
  Error error(const std::string& name, const std::string& message) const {
    return key_error(path_of(name), message);
  }
  Error error(const std::string& name, const Error& cause) const {
    return key_error(path_of(name), cause);
  }

 private:
  std::string path_of(const std::string& name) const {
    return name.empty() ? key_path_ : join_key(key_path_, name);
  }

  Value values_;
  std::string key_path_;
};

}  // namespace instill::config
