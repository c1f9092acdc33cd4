#pragma once
// Typed schemas for component configs. A schema validates a config mapping (after its
// nested components were built), fills defaults, and reports every problem with its key
// path, the expected type/range and the value found:
//   train_dataset.config.sequence_length: expected an integer > 1, got "abc"
// Fields nest: a mapping or a list of mappings can carry its own schema.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/value.hpp"

namespace instill::config {

struct ConfigDocument;
class Schema;

enum class FieldKind { kInt, kFloat, kBool, kString, kPath, kList, kMap, kAny, kComponent, kEnum };

// One field. Built fluently: Field::integer("sequence_length").greater_than(1).strict()
class Field {
 public:
  static Field integer(std::string name) { return Field(std::move(name), FieldKind::kInt); }
  static Field number(std::string name) { return Field(std::move(name), FieldKind::kFloat); }
  static Field boolean(std::string name) { return Field(std::move(name), FieldKind::kBool); }
  static Field string(std::string name) { return Field(std::move(name), FieldKind::kString); }
  static Field path(std::string name) { return Field(std::move(name), FieldKind::kPath); }
  static Field list(std::string name) { return Field(std::move(name), FieldKind::kList); }
  static Field map(std::string name) { return Field(std::move(name), FieldKind::kMap); }
  // A mapping whose keys and values `fields` validates.
  static Field map(std::string name, Schema fields);
  static Field any(std::string name) { return Field(std::move(name), FieldKind::kAny); }
  // A built component of the given component_key ("" accepts any component).
  static Field component(std::string name, std::string component_key = "") {
    Field f(std::move(name), FieldKind::kComponent);
    f.component_key_ = std::move(component_key);
    return f;
  }
  // A "lookup enum": accepts each value or its member name, normalised to the value.
  static Field enumeration(std::string name,
                           std::vector<std::pair<std::string, std::string>> value_and_member) {
    Field f(std::move(name), FieldKind::kEnum);
    f.enum_ = std::move(value_and_member);
    return f;
  }

  // A string that must be one of `allowed`.
  static Field one_of(std::string name, const std::vector<std::string>& allowed) {
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& a : allowed) values.emplace_back(a, a);
    return enumeration(std::move(name), std::move(values));
  }

  Field defaults(Value v) && {
    default_ = std::move(v);
    return std::move(*this);
  }
  Field nullable() && {
    nullable_ = true;
    return std::move(*this);
  }
  Field optional() && {  // absent -> null
    nullable_ = true;
    default_ = Value();
    return std::move(*this);
  }
  Field at_least(double v) && {
    min_ = v;
    return std::move(*this);
  }
  Field greater_than(double v) && {
    min_ = v;
    min_exclusive_ = true;
    return std::move(*this);
  }
  Field at_most(double v) && {
    max_ = v;
    return std::move(*this);
  }
  // Strict numbers reject strings and bools (pydantic Field(strict=True)).
  Field strict() && {
    strict_ = true;
    return std::move(*this);
  }
  Field of(FieldKind element) && {  // element kind of a list, or value kind of a mapping
    element_ = element;
    return std::move(*this);
  }
  Field of(Schema element) &&;    // a list of mappings, each validated by `element`
  Field literal(Value only) && {  // the field must equal this value
    literal_ = std::move(only);
    return std::move(*this);
  }
  Field doc(std::string text) && {
    doc_ = std::move(text);
    return std::move(*this);
  }

  const std::string& name() const { return name_; }
  bool required() const { return !default_.has_value(); }
  const std::optional<Value>& default_value() const { return default_; }
  // "an integer > 1", "a boolean", "a component of kind dataset", ...
  std::string describe() const;
  // Validates and coerces one value; throws an error naming `key_path` (and its file and
  // line when `doc` is given).
  Value validate(const Value& v, const std::string& key_path,
                 const ConfigDocument* doc = nullptr) const;

 private:
  Field(std::string name, FieldKind kind) : name_(std::move(name)), kind_(kind) {}
  Value validate_kind(FieldKind kind, const Value& v, const std::string& key_path,
                      const ConfigDocument* doc) const;
  Value validate_elements(const Value& v, const std::string& key_path,
                          const ConfigDocument* doc) const;
  Value validate_enum(const Value& v, const std::string& key_path, const ConfigDocument* doc) const;
  Error mismatch(const Value& v, const std::string& key_path, const ConfigDocument* doc) const;

  std::string name_;
  FieldKind kind_;
  std::optional<Value> default_;
  bool nullable_ = false;
  std::optional<double> min_, max_;
  bool min_exclusive_ = false;
  bool strict_ = false;
  std::optional<FieldKind> element_;
  std::optional<Value> literal_;
  std::string component_key_;
  std::vector<std::pair<std::string, std::string>> enum_;
  std::shared_ptr<const Schema> schema_;  // of a mapping, or of each mapping in a list
  std::string doc_;
};

class Schema {
 public:
  Schema() = default;
  Schema(std::initializer_list<Field> fields) : fields_(fields) {}
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}
  // Keys the schema does not name are kept as they are instead of rejected (documents with
  // keys instill does not read, like a Hugging Face config.json).
  Schema open() && {
    open_ = true;
    return std::move(*this);
  }
  // Validates a config mapping: unknown keys are rejected with the allowed ones listed,
  // required fields must be present, defaults are filled in. Returns the normalised map.
  Value validate(const Value& config, const std::string& key_path, const std::string& owner,
                 const ConfigDocument* doc = nullptr) const;
  const std::vector<Field>& fields() const { return fields_; }

 private:
  void reject_unknown_keys(const ValueMap& in, const std::string& key_path,
                           const std::string& owner, const ConfigDocument* doc) const;

  std::vector<Field> fields_;
  bool open_ = false;
};

// How a value is shown in errors: strings in double quotes, others as Python prints them.
std::string describe_value(const Value& v);

}  // namespace instill::config
