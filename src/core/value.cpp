#include "core/value.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/nesting_guard.hpp"

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

size_t value_footprint(const Value& v, size_t cap) {
  // Strings inside lists are copies, so nested sizes add up; a list shared twice is counted
  // twice, which only overestimates. Each visit adds at least sizeof(Value), so stopping past
  // `cap` bounds the walk; an explicit stack keeps any nesting depth off the C++ stack.
  size_t total = 0;
  std::vector<const Value*> pending{&v};
  while (!pending.empty() && total <= cap) {
    const Value* item = pending.back();
    pending.pop_back();
    total += sizeof(Value);
    if (item->is_string()) {
      total += item->as_string().size();
    } else if (item->is_sequence()) {
      for (const Value& child : item->as_list()) pending.push_back(&child);
    } else if (item->is_map()) {
      for (const auto& [key, child] : item->as_map()) {
        total += key.size();
        pending.push_back(&child);
      }
    }
  }
  return total;
}

namespace {
// The explicit stack of the outermost release in progress on this thread, if any.
thread_local std::vector<Value>* t_release_stack = nullptr;
}  // namespace

void Value::release_nested() noexcept {
  // A container this Value owns alone hands its nested containers to the release stack,
  // so destroying a chain a million levels deep takes a loop, not a million stack frames.
  auto hand_over = [](Value& v, std::vector<Value>& stack) {
    if (v.is_sequence()) {
      auto& list = std::get<std::shared_ptr<ValueList>>(v.data_);
      if (list.use_count() != 1) return;
      for (Value& child : *list)
        if (child.type_ >= Type::kList) stack.push_back(std::move(child));
    } else if (v.is_map()) {
      auto& map = std::get<std::shared_ptr<ValueMap>>(v.data_);
      if (map.use_count() != 1) return;
      for (auto& entry : *map)
        if (entry.second.type_ >= Type::kList) stack.push_back(std::move(entry.second));
    } else if (v.is_object()) {
      auto& object = std::get<std::shared_ptr<ValueObject>>(v.data_);
      if (object.use_count() == 1) object->release_values(stack);
    }
  };
  if (t_release_stack) {
    hand_over(*this, *t_release_stack);
    return;
  }
  std::vector<Value> stack;
  t_release_stack = &stack;
  hand_over(*this, stack);
  while (!stack.empty()) {
    Value last = std::move(stack.back());
    stack.pop_back();
  }  // `last` is destroyed here, handing its own nested containers to `stack`
  t_release_stack = nullptr;
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
  if (a.same_container(b)) return true;  // Python compares elements by identity first
  switch (a.type()) {
    case T::kNull:
      return true;
    case T::kString:
      return a.as_string() == b.as_string();
    case T::kList:
    case T::kTuple: {
      const NestingGuard guard("comparing objects");
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!(x[i] == y[i])) return false;
      return true;
    }
    case T::kMap: {
      const NestingGuard guard("comparing objects");
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
