#pragma once
// Value: the one dynamic type shared by YAML configs, JSON records and Jinja contexts.
// Python-like: null, bool, int (int64, or exact big integer kept as decimal digits),
// float, str, list, tuple, dict (insertion-ordered, string keys) and an extension slot
// for engine-specific objects (Jinja callables, namespaces, ...).
//
// Containers have Python reference semantics: copying a Value shares its list/map, as
// assigning a Python variable does. deep_copy() clones (OmegaConf's subtree copies).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace instill {

class Value;
class ValueMap;
using ValueList = std::vector<Value>;

// Extension point: values owned by a subsystem (e.g. Jinja macros) ride inside a Value.
class ValueObject {
 public:
  virtual ~ValueObject() = default;
  virtual std::string type_name() const = 0;
  // Moves out the Values the object holds, when it is being destroyed, so that chains of
  // objects (a namespace holding a namespace ...) are released without recursion.
  virtual void release_values(std::vector<Value>& out) { (void)out; }
};

class Value {
 public:
  enum class Type : uint8_t {
    kNull,
    kBool,
    kInt,
    kBigInt,
    kFloat,
    kString,
    kList,
    kTuple,
    kMap,
    kObject
  };

  Value() = default;
  Value(const Value&) = default;
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  ~Value() {
    if (type_ >= Type::kList) release_nested();
  }
  Value(std::nullptr_t) {}
  Value(bool b) : type_(Type::kBool), data_(b) {}
  Value(int v) : type_(Type::kInt), data_(int64_t{v}) {}
  Value(int64_t v) : type_(Type::kInt), data_(v) {}
  Value(double v) : type_(Type::kFloat), data_(v) {}
  Value(std::string s) : type_(Type::kString), data_(std::move(s)) {}
  Value(std::string_view s) : type_(Type::kString), data_(std::string(s)) {}
  Value(const char* s) : type_(Type::kString), data_(std::string(s)) {}
  Value(ValueList list);
  Value(ValueMap map);

  // An integer outside int64, kept exactly as its decimal digits (optional leading '-').
  static Value big_int(std::string decimal);
  // Parses a decimal integer literal: int64 when it fits, otherwise a big integer.
  static Value integer_from_decimal(std::string_view decimal);
  static Value tuple(ValueList items);
  static Value object(std::shared_ptr<ValueObject> obj);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_big_int() const { return type_ == Type::kBigInt; }
  bool is_integer() const { return type_ == Type::kInt || type_ == Type::kBigInt; }
  bool is_float() const { return type_ == Type::kFloat; }
  bool is_number() const { return is_integer() || is_float(); }
  bool is_string() const { return type_ == Type::kString; }
  bool is_list() const { return type_ == Type::kList; }
  bool is_tuple() const { return type_ == Type::kTuple; }
  bool is_sequence() const { return is_list() || is_tuple(); }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  // Numeric value as double (bool, int, big int or float).
  double to_double() const;
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const std::string& big_int_digits() const { return std::get<std::string>(data_); }
  const ValueList& as_list() const { return *std::get<std::shared_ptr<ValueList>>(data_); }
  ValueList& as_list() { return *std::get<std::shared_ptr<ValueList>>(data_); }
  const ValueMap& as_map() const { return *std::get<std::shared_ptr<ValueMap>>(data_); }
  ValueMap& as_map() { return *std::get<std::shared_ptr<ValueMap>>(data_); }
  const std::shared_ptr<ValueObject>& as_object() const {
    return std::get<std::shared_ptr<ValueObject>>(data_);
  }
  template <typename T>
  std::shared_ptr<T> object_as() const {
    return is_object() ? std::dynamic_pointer_cast<T>(as_object()) : nullptr;
  }

  // A new Value sharing nothing mutable with this one.
  Value deep_copy() const;
  // Same container (identity), as Python's `is` for lists and dicts.
  bool same_container(const Value& other) const;

  // Python's name of the type: "NoneType", "bool", "int", "float", "str", "list", ...
  std::string python_type_name() const;

  // Python equality: 1 == 1.0 == True, lists/tuples/dicts element-wise (list != tuple).
  friend bool operator==(const Value& a, const Value& b);

 private:
  using Data =
      std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<ValueList>,
                   std::shared_ptr<ValueMap>, std::shared_ptr<ValueObject>>;
  Value(Type type, Data data) : type_(type), data_(std::move(data)) {}
  void release_nested() noexcept;

  Type type_ = Type::kNull;
  Data data_;
};

// Insertion-ordered dict with string keys. Lookups are linear for small maps and hashed
// once a map grows (JSON records and configs are small; tokenizer-sized maps are not
// stored here).
class ValueMap {
 public:
  using Entry = std::pair<std::string, Value>;
  using const_iterator = std::vector<Entry>::const_iterator;
  using iterator = std::vector<Entry>::iterator;

  ValueMap() = default;
  ValueMap(std::initializer_list<Entry> entries);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Python `d[key] = v`: replaces in place (keeping position) or appends.
  void set(std::string key, Value value);
  // Python `d[key]` for writing: inserts null at the end when missing.
  Value& operator[](const std::string& key);
  // Throws std::out_of_range when missing.
  const Value& at(std::string_view key) const;
  bool erase(std::string_view key);

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  static constexpr size_t kIndexThreshold = 16;
  std::ptrdiff_t index_of(std::string_view key) const;
  void rebuild_index() const;

  std::vector<Entry> entries_;
  mutable std::unordered_map<std::string, size_t> index_;  // built lazily past the threshold
  mutable bool index_valid_ = false;
};

// Memory a value holds (strings and nested containers), counted up to a little past `cap`:
// budgets for values built from hostile input (templates, config interpolation).
size_t value_footprint(const Value& v, size_t cap);

}  // namespace instill
