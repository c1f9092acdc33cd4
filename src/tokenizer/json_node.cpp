#include "tokenizer/json_node.hpp"

#include "core/error.hpp"

namespace instill::tokenizer {

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {
std::string join_names(std::initializer_list<std::string_view> names) {
  std::string list;
  for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  return list;
}
}  // namespace

std::string describe_json(element e) {
  switch (e.type()) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::STRING: {
      // Hostile files can hold megabyte strings: show the start only, cut on a character.
      constexpr std::size_t kMax = 40;
      std::string_view s = e.get_string().value_unsafe();
      if (s.size() <= kMax) return simdjson::minify(e);
      std::size_t cut = kMax;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      return "\"" + std::string(s.substr(0, cut)) + "...\"";
    }
    default:
      return simdjson::minify(e);
  }
}

std::optional<uint64_t> json_unsigned(element e, uint64_t max) {
  if (e.type() == element_type::INT64) {
    const int64_t v = e.get_int64().value_unsafe();
    if (v < 0 || static_cast<uint64_t>(v) > max) return std::nullopt;
    return static_cast<uint64_t>(v);
  }
  if (e.type() == element_type::UINT64) {
    const uint64_t v = e.get_uint64().value_unsafe();
    if (v > max) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

void JsonNode::fail(const std::string& message) const {
  throw Error((path_.empty() ? std::string("<root>") : path_) + ": " + message);
}

void JsonNode::expected(const std::string& what) const {
  fail("expected " + what + ", got " + describe_json(e_));
}

std::string JsonNode::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::optional<JsonNode> JsonNode::field(std::string_view key) const {
  if (!is_object()) expected("an object");
  element child;
  if (e_.get_object()[key].get(child) != simdjson::SUCCESS) return std::nullopt;
  return JsonNode(child, child_path(key));
}

std::optional<JsonNode> JsonNode::option(std::string_view key) const {
  auto f = field(key);
  if (f && f->is_null()) return std::nullopt;
  return f;
}

JsonNode JsonNode::require(std::string_view key) const {
  auto f = field(key);
  if (!f) fail("missing field \"" + std::string(key) + "\"");
  return *f;
}

void JsonNode::allow_only(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : entries()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (known) continue;
    value.fail("unknown field (expected one of: " + join_names(allowed) + ")");
  }
}

std::pair<std::string_view, JsonNode> JsonNode::single_entry() const {
  auto all = entries();
  if (all.size() != 1) expected("an object with exactly one key");
  return all.front();
}

std::string_view JsonNode::as_string() const {
  std::string_view s;
  if (e_.get_string().get(s) != simdjson::SUCCESS) expected("a string");
  return s;
}

bool JsonNode::as_bool() const {
  bool b = false;
  if (e_.get_bool().get(b) != simdjson::SUCCESS) expected("a boolean");
  return b;
}

double JsonNode::as_number() const {
  double d = 0;
  if (e_.get_double().get(d) != simdjson::SUCCESS) expected("a number");
  return d;
}

uint32_t JsonNode::as_u32() const {
  const auto v = json_unsigned(e_, UINT32_MAX);
  if (!v) expected("an integer in 0..4294967295");
  return static_cast<uint32_t>(*v);
}

uint64_t JsonNode::as_usize() const {
  const auto v = json_unsigned(e_, UINT64_MAX);
  if (!v) expected("a non-negative integer");
  return *v;
}

int32_t JsonNode::as_token_id() const {
  const auto v = json_unsigned(e_, kMaxTokenId);
  if (!v) expected("a token id (an integer in 0.." + std::to_string(kMaxTokenId) + ")");
  return static_cast<int32_t>(*v);
}

std::string JsonNode::as_char() const {
  std::string_view s;
  std::size_t chars = 0;
  if (e_.get_string().get(s) == simdjson::SUCCESS) {
    for (char c : s) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }
  if (chars != 1) expected("a string of one character");
  return std::string(s);
}

std::string_view JsonNode::as_enum(std::initializer_list<std::string_view> names) const {
  std::string_view name;
  if (is_object()) {
    // serde also reads a unit variant written as {"Name": null}.
    auto [key, value] = single_entry();
    if (!value.is_null()) value.expected("null");
    name = key;
  } else if (e_.get_string().get(name) != simdjson::SUCCESS) {
    expected("one of " + join_names(names));
  }
  for (std::string_view n : names) {
    if (n == name) return n;
  }
  fail("unknown value \"" + std::string(name) + "\" (expected one of: " + join_names(names) + ")");
}

std::vector<JsonNode> JsonNode::items() const {
  if (!is_array()) expected("an array");
  std::vector<JsonNode> out;
  std::size_t i = 0;
  for (element child : e_.get_array()) {
    out.emplace_back(child, path_ + "[" + std::to_string(i++) + "]");
  }
  return out;
}

std::vector<std::pair<std::string_view, JsonNode>> JsonNode::entries() const {
  if (!is_object()) expected("an object");
  std::vector<std::pair<std::string_view, JsonNode>> out;
  for (auto [key, value] : e_.get_object()) {
    out.emplace_back(key, JsonNode(value, child_path(key)));
  }
  return out;
}

bool JsonNode::bool_or(std::string_view key, bool fallback) const {
  auto f = field(key);
  return f ? f->as_bool() : fallback;
}

std::string JsonNode::string_or(std::string_view key, std::string fallback) const {
  auto f = field(key);
  return f ? std::string(f->as_string()) : fallback;
}

bool JsonNode::nullable_bool_or(std::string_view key, bool fallback) const {
  auto f = option(key);
  return f ? f->as_bool() : fallback;
}

std::optional<std::string> JsonNode::nullable_string(std::string_view key) const {
  auto f = option(key);
  if (!f) return std::nullopt;
  return std::string(f->as_string());
}

std::string JsonNode::type_of(std::initializer_list<std::string_view> known) const {
  const std::string_view type = require("type").as_string();
  for (std::string_view k : known) {
    if (k == type) return std::string(type);
  }
  require("type").fail("unsupported \"" + std::string(type) +
                       "\" (supported: " + join_names(known) + ")");
}

}  // namespace instill::tokenizer
