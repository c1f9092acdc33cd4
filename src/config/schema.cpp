#include "config/schema.hpp"

#include <charconv>
#include <cmath>

#include "config/component.hpp"
#include "config/config_document.hpp"
#include "config/key_error.hpp"
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

Field Field::map(std::string name, Schema fields) {
  Field f(std::move(name), FieldKind::kMap);
  f.schema_ = std::make_shared<const Schema>(std::move(fields));
  return f;
}

Field Field::of(Schema element) && {
  element_ = FieldKind::kMap;
  schema_ = std::make_shared<const Schema>(std::move(element));
  return std::move(*this);
}

std::string Field::describe() const {
  std::string s = kind_text(kind_);
  if (kind_ == FieldKind::kEnum) {
    for (size_t i = 0; i < enum_.size(); ++i) s += (i ? ", " : " ") + enum_[i].first;
  }
  if (kind_ == FieldKind::kComponent && !component_key_.empty()) s += " of kind " + component_key_;
  if ((kind_ == FieldKind::kList || kind_ == FieldKind::kMap) && element_)
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

Error Field::mismatch(const Value& v, const std::string& key_path,
                      const ConfigDocument* doc) const {
  return key_error(key_path, "expected " + describe() + ", got " + describe_value(v), doc);
}

Value Field::validate_kind(FieldKind kind, const Value& v, const std::string& key_path,
                           const ConfigDocument* doc) const {
  switch (kind) {
    case FieldKind::kInt: {
      if (v.is_int()) return v;
      if (strict_) throw mismatch(v, key_path, doc);
      // Lax mode as pydantic: integral floats and integer strings are accepted.
      if (v.is_float() && std::isfinite(v.as_float()) && v.as_float() == std::floor(v.as_float()))
        return Value(static_cast<int64_t>(v.as_float()));
      if (v.is_string()) {
        const std::string& s = v.as_string();
        int64_t out = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return Value(out);
      }
      break;
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
      break;
    }
    case FieldKind::kBool:
      if (v.is_bool()) return v;
      break;
    case FieldKind::kString:
    case FieldKind::kPath:
      if (v.is_string()) return v;
      break;
    case FieldKind::kList:
      if (!v.is_sequence()) break;
      return kind_ == FieldKind::kList ? validate_elements(v, key_path, doc) : v;
    case FieldKind::kMap:
      if (!v.is_map()) break;
      if (kind_ != FieldKind::kMap) return v;  // an element of a list
      if (schema_) return schema_->validate(v, key_path, key_path, doc);
      return validate_elements(v, key_path, doc);
    case FieldKind::kAny:
      return v;
    case FieldKind::kComponent: {
      auto c = v.object_as<ComponentValue>();
      if (c && (component_key_.empty() || c->component_key() == component_key_)) return v;
      break;
    }
    case FieldKind::kEnum:
      return validate_enum(v, key_path, doc);
  }
  throw mismatch(v, key_path, doc);
}

// The items of a list, or the values of a mapping, checked against the element kind.
Value Field::validate_elements(const Value& v, const std::string& key_path,
                               const ConfigDocument* doc) const {
  if (!element_) return v;
  auto one = [&](const Value& item, const std::string& path) {
    if (*element_ == FieldKind::kMap && schema_) {
      if (!item.is_map()) throw mismatch(item, path, doc);
      return schema_->validate(item, path, path, doc);
    }
    return validate_kind(*element_, item, path, doc);
  };
  if (v.is_map()) {
    ValueMap out;
    for (const auto& [key, item] : v.as_map()) out.set(key, one(item, join_key(key_path, key)));
    return Value(std::move(out));
  }
  ValueList out;
  const auto& items = v.as_list();
  for (size_t i = 0; i < items.size(); ++i) out.push_back(one(items[i], join_index(key_path, i)));
  return Value(std::move(out));
}

Value Field::validate_enum(const Value& v, const std::string& key_path,
                           const ConfigDocument* doc) const {
  if (v.is_string())
    for (const auto& [value, member] : enum_)
      if (v.as_string() == value || v.as_string() == member) return Value(value);
  std::string allowed;
  for (const auto& [value, member] : enum_)
    allowed += (allowed.empty() ? "" : ", ") + value + (member != value ? " (" + member + ")" : "");
  throw key_error(key_path, "expected one of " + allowed + ", got " + describe_value(v), doc);
}

Value Field::validate(const Value& v, const std::string& key_path,
                      const ConfigDocument* doc) const {
  if (v.is_null()) {
    if (nullable_) return v;
    throw key_error(key_path, "expected " + describe() + ", got null", doc);
  }
  Value out = validate_kind(kind_, v, key_path, doc);
  const bool low = min_ && out.is_number() && !out.is_big_int() &&
                   (min_exclusive_ ? !(out.to_double() > *min_) : !(out.to_double() >= *min_));
  const bool high = max_ && out.is_number() && !out.is_big_int() && !(out.to_double() <= *max_);
  if (low || high || (literal_ && !(out == *literal_))) throw mismatch(v, key_path, doc);
  return out;
}

void Schema::reject_unknown_keys(const ValueMap& in, const std::string& key_path,
                                 const std::string& owner, const ConfigDocument* doc) const {
  for (const auto& [key, value] : in) {
    bool known = false;
    for (const auto& f : fields_) known = known || f.name() == key;
    if (known) continue;
    std::string allowed;
    for (const auto& f : fields_) allowed += (allowed.empty() ? "" : ", ") + f.name();
    throw key_error(join_key(key_path, key),
                    "unknown key for " + owner +
                        " (allowed keys: " + (allowed.empty() ? "none" : allowed) + ")",
                    doc);
  }
}

Value Schema::validate(const Value& config, const std::string& key_path, const std::string& owner,
                       const ConfigDocument* doc) const {
  if (!config.is_map())
    throw key_error(key_path,
                    "expected the config mapping of " + owner + ", got " + describe_value(config),
                    doc);
  const ValueMap& in = config.as_map();
  if (!open_) reject_unknown_keys(in, key_path, owner, doc);
  // Output in schema order, defaults filled in (then, in open schemas, the other keys).
  ValueMap out;
  for (const auto& f : fields_) {
    const std::string p = join_key(key_path, f.name());
    const Value* v = in.find(f.name());
    if (v) {
      out.set(f.name(), f.validate(*v, p, doc));
    } else if (f.required()) {
      throw key_error(p, "required field is missing (expected " + f.describe() + ")", doc);
    } else {
      // Defaults go through the field too, so a defaulted mapping gets its own defaults.
      const Value& d = *f.default_value();
      out.set(f.name(), d.is_null() ? d : f.validate(d.deep_copy(), p, doc));
    }
  }
  if (open_)
    for (const auto& [key, value] : in)
      if (!out.contains(key)) out.set(key, value);
  return Value(std::move(out));
}

}  // namespace instill::config
