#include "config/schema.hpp"

#include <charconv>
#include <cmath>

#include "config/component.hpp"
#include "config/config_document.hpp"
#include "core/error.hpp"
#include "core/python_json.hpp"
#include "core/python_repr.hpp"

namespace instill::config {

std::string describe_value(const Value& v) {
  if (v.is_string()) return json_dumps(v, JsonDumpOptions{});
  if (auto c = v.object_as<ComponentValue>()) return "a component " + c->qualified_name();
  return python_repr(v);
}

namespace {

std::string kind_text(FieldKind kind) {
  switch (kind) {
    case FieldKind::kInt:
      return "an integer";
    case FieldKind::kFloat:
      return "a number";
    case FieldKind::kBool:
      return "a boolean";
    case FieldKind::kString:
      return "a string";
    case FieldKind::kPath:
      return "a path";
    case FieldKind::kList:
      return "a list";
    case FieldKind::kMap:
      return "a mapping";
    case FieldKind::kAny:
      return "any value";
    case FieldKind::kComponent:
      return "a component";
    case FieldKind::kEnum:
      return "one of";
  }
  return "?";
}

std::string number_text(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  return python_float_repr(x);
}

}  // namespace

std::string Field::describe() const {
  std::string s = kind_text(kind_);
  if (kind_ == FieldKind::kEnum) {
    for (size_t i = 0; i < enum_.size(); ++i) s += (i ? ", " : " ") + enum_[i].first;
  }
  if (kind_ == FieldKind::kComponent && !component_key_.empty()) s += " of kind " + component_key_;
  if (kind_ == FieldKind::kList && element_)
    s += " of " + kind_text(*element_).substr(kind_text(*element_).find(' ') + 1) + "s";
  if (min_ && max_) {
    s += " in [" + number_text(*min_) + ", " + number_text(*max_) + "]";
  } else if (min_) {
    s += (min_exclusive_ ? " > " : " >= ") + number_text(*min_);
  } else if (max_) {
    s += " <= " + number_text(*max_);
  }
  if (literal_) s += " equal to " + describe_value(*literal_);
  if (nullable_) s += " or null";
  return s;
}

void Field::check_range(double x, const Value& v, const std::string& key_path) const {
  const bool low = min_ && (min_exclusive_ ? !(x > *min_) : !(x >= *min_));
  const bool high = max_ && !(x <= *max_);
  if (low || high)
    throw Error(key_path + ": expected " + describe() + ", got " + describe_value(v));
}

Value Field::validate_kind(FieldKind kind, const Value& v, const std::string& key_path) const {
  auto bad = [&]() -> Error {
    return Error(key_path + ": expected " + describe() + ", got " + describe_value(v));
  };
  switch (kind) {
    case FieldKind::kInt: {
      if (v.is_int()) return v;
      if (strict_) throw bad();
      // Lax mode as pydantic: integral floats and integer strings are accepted.
      if (v.is_float() && std::isfinite(v.as_float()) && v.as_float() == std::floor(v.as_float()))
        return Value(static_cast<int64_t>(v.as_float()));
      if (v.is_string()) {
        const std::string& s = v.as_string();
        int64_t out = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return Value(out);
      }
      throw bad();
    }
    case FieldKind::kFloat: {
      if (v.is_float()) return v;
      if (v.is_int()) return Value(static_cast<double>(v.as_int()));  // strict floats take ints too
      if (!strict_ && v.is_string()) {
        const std::string& s = v.as_string();
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end == s.c_str() + s.size()) return Value(d);
      }
      throw bad();
    }
    case FieldKind::kBool: {
      if (v.is_bool()) return v;
      throw bad();
    }
    case FieldKind::kString:
    case FieldKind::kPath: {
      if (v.is_string()) return v;
      throw bad();
    }
    case FieldKind::kList: {
      if (!v.is_sequence()) throw bad();
      if (!element_) return v;
      ValueList out;
      const auto& items = v.as_list();
      for (size_t i = 0; i < items.size(); ++i)
        out.push_back(validate_kind(*element_, items[i], join_index(key_path, i)));
      return Value(std::move(out));
    }
    case FieldKind::kMap: {
      if (!v.is_map()) throw bad();
      return v;
    }
    case FieldKind::kAny:
      return v;
    case FieldKind::kComponent: {
      auto c = v.object_as<ComponentValue>();
      if (!c) throw bad();
      if (!component_key_.empty() && c->component_key() != component_key_) throw bad();
      return v;
    }
    case FieldKind::kEnum: {
      if (v.is_string())
        for (const auto& [value, member] : enum_)
          if (v.as_string() == value || v.as_string() == member) return Value(value);
      std::string allowed;
      for (const auto& [value, member] : enum_)
        allowed +=
            (allowed.empty() ? "" : ", ") + value + (member != value ? " (" + member + ")" : "");
      throw Error(key_path + ": expected one of " + allowed + ", got " + describe_value(v));
    }
  }
  throw bad();
}

Value Field::validate(const Value& v, const std::string& key_path) const {
  if (v.is_null()) {
    if (nullable_) return v;
    throw Error(key_path + ": expected " + describe() + ", got null");
  }
  Value out = validate_kind(kind_, v, key_path);
  if (out.is_number() && !out.is_big_int() && (min_ || max_))
    check_range(out.to_double(), v, key_path);
  if (literal_ && !(out == *literal_))
    throw Error(key_path + ": expected " + describe() + ", got " + describe_value(v));
  return out;
}

Value Schema::validate(const Value& config, const std::string& key_path, const std::string& owner,
                       const ConfigDocument* doc) const {
  auto where = [&](const std::string& p) { return doc ? doc->where(p) : std::string(); };
  if (!config.is_map())
    throw Error(where(key_path) + key_path + ": expected the config mapping of " + owner +
                ", got " + describe_value(config));
  const ValueMap& in = config.as_map();
  for (const auto& [key, value] : in) {
    bool known = false;
    for (const auto& f : fields_) known = known || f.name() == key;
    if (!known) {
      std::string allowed;
      for (const auto& f : fields_) allowed += (allowed.empty() ? "" : ", ") + f.name();
      const std::string p = join_key(key_path, key);
      throw Error(where(p) + p + ": unknown key for " + owner +
                  " (allowed keys: " + (allowed.empty() ? "none" : allowed) + ")");
    }
  }
  // Output in schema order, defaults filled in.
  ValueMap out;
  for (const auto& f : fields_) {
    const std::string p = join_key(key_path, f.name());
    const Value* v = in.find(f.name());
    if (!v) {
      if (f.required())
        throw Error(where(key_path) + p + ": required field is missing (expected " + f.describe() +
                    ")");
      out.set(f.name(), f.default_value()->deep_copy());
      continue;
    }
    try {
      out.set(f.name(), f.validate(*v, p));
    } catch (const Error& e) {
      throw Error(where(p) + e.what());
    }
  }
  return Value(std::move(out));
}

}  // namespace instill::config
