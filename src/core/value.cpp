#include "core/value.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace instill {

Value::Value(ValueList list)
    : type_(Type::kList), data_(std::make_shared<ValueList>(std::move(list))) {}

Value::Value(ValueMap map) : type_(Type::kMap), data_(std::make_shared<ValueMap>(std::move(map))) {}

Value Value::big_int(std::string decimal) { return Value(Type::kBigInt, std::move(decimal)); }

Value Value::integer_from_decimal(std::string_view decimal) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(decimal.data(), decimal.data() + decimal.size(), v);
  if (ec == std::errc() && ptr == decimal.data() + decimal.size()) return Value(v);
  // Normalise: drop a '+' sign and leading zeros so equal numbers have equal digits.
  std::string digits;
  size_t i = 0;
  bool negative = false;
  if (i < decimal.size() && (decimal[i] == '-' || decimal[i] == '+'))
    negative = decimal[i++] == '-';
  while (i + 1 < decimal.size() && decimal[i] == '0') ++i;
  if (negative) digits.push_back('-');
  digits.append(decimal.substr(i));
  return big_int(std::move(digits));
}

Value Value::tuple(ValueList items) {
  return Value(Type::kTuple, std::make_shared<ValueList>(std::move(items)));
}

Value Value::object(std::shared_ptr<ValueObject> obj) {
  return Value(Type::kObject, std::move(obj));
}

double Value::to_double() const {
  switch (type_) {
    case Type::kBool:
      return as_bool() ? 1.0 : 0.0;
    case Type::kInt:
      return static_cast<double>(as_int());
    case Type::kBigInt:
      return std::strtod(big_int_digits().c_str(), nullptr);
    case Type::kFloat:
      return as_float();
    default:
      throw std::logic_error("Value::to_double on a non-number (" + python_type_name() + ")");
  }
}

Value Value::deep_copy() const {
  switch (type_) {
    case Type::kList:
    case Type::kTuple: {
      ValueList items;
      items.reserve(as_list().size());
      for (const auto& v : as_list()) items.push_back(v.deep_copy());
      return Value(type_, std::make_shared<ValueList>(std::move(items)));
    }
    case Type::kMap: {
      ValueMap m;
      for (const auto& [k, v] : as_map()) m.set(k, v.deep_copy());
      return Value(std::move(m));
    }
    default:
      return *this;
  }
}

bool Value::same_container(const Value& other) const {
  if (type_ != other.type_) return false;
  if (is_sequence()) return &as_list() == &other.as_list();
  if (is_map()) return &as_map() == &other.as_map();
  if (is_object()) return as_object() == other.as_object();
  return false;
}

std::string Value::python_type_name() const {
  switch (type_) {
    case Type::kNull:
      return "NoneType";
    case Type::kBool:
      return "bool";
    case Type::kInt:
    case Type::kBigInt:
      return "int";
    case Type::kFloat:
      return "float";
    case Type::kString:
      return "str";
    case Type::kList:
      return "list";
    case Type::kTuple:
      return "tuple";
    case Type::kMap:
      return "dict";
    case Type::kObject:
      return as_object()->type_name();
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  using T = Value::Type;
  if (a.is_big_int() || b.is_big_int()) {
    if (a.is_big_int() && b.is_big_int()) return a.big_int_digits() == b.big_int_digits();
    if (a.is_float() || b.is_float())
      return a.is_number() && b.is_number() && a.to_double() == b.to_double();
    return false;  // a big int never equals an int64
  }
  const bool an = a.is_bool() || a.is_int() || a.is_float();
  const bool bn = b.is_bool() || b.is_int() || b.is_float();
  if (an && bn) {
    if (a.is_float() || b.is_float()) return a.to_double() == b.to_double();
    auto iv = [](const Value& v) { return v.is_bool() ? int64_t{v.as_bool()} : v.as_int(); };
    return iv(a) == iv(b);
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case T::kNull:
      return true;
    case T::kString:
      return a.as_string() == b.as_string();
    case T::kList:
    case T::kTuple: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!(x[i] == y[i])) return false;
      return true;
    }
    case T::kMap: {
      const auto& x = a.as_map();
      const auto& y = b.as_map();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        const Value* w = y.find(k);
        if (!w || !(v == *w)) return false;
      }
      return true;
    }
    case T::kObject:
      return a.as_object() == b.as_object();
    default:
      return false;
  }
}

ValueMap::ValueMap(std::initializer_list<Entry> entries) {
  for (const auto& e : entries) set(e.first, e.second);
}

void ValueMap::rebuild_index() const {
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  index_valid_ = true;
}

std::ptrdiff_t ValueMap::index_of(std::string_view key) const {
  if (entries_.size() < kIndexThreshold) {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == key) return static_cast<std::ptrdiff_t>(i);
    return -1;
  }
  if (!index_valid_) rebuild_index();
  auto it = index_.find(std::string(key));
  return it == index_.end() ? -1 : static_cast<std::ptrdiff_t>(it->second);
}

const Value* ValueMap::find(std::string_view key) const {
  auto i = index_of(key);
  return i < 0 ? nullptr : &entries_[static_cast<size_t>(i)].second;
}

Value* ValueMap::find(std::string_view key) {
  auto i = index_of(key);
  return i < 0 ? nullptr : &entries_[static_cast<size_t>(i)].second;
}

void ValueMap::set(std::string key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
    return;
  }
  if (index_valid_) index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

Value& ValueMap::operator[](const std::string& key) {
  if (Value* v = find(key)) return *v;
  set(key, Value());
  return entries_.back().second;
}

const Value& ValueMap::at(std::string_view key) const {
  const Value* v = find(key);
  if (!v) throw std::out_of_range("key not found: " + std::string(key));
  return *v;
}

bool ValueMap::erase(std::string_view key) {
  auto i = index_of(key);
  if (i < 0) return false;
  entries_.erase(entries_.begin() + i);
  index_valid_ = false;
  return true;
}

}  // namespace instill
