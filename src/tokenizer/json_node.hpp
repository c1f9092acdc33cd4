#pragma once
// The one validation helper of the tokenizer.json loader: a JSON value with the path that leads
// to it, and typed accessors that check what HF `tokenizers` (serde) checks. Every mistake is an
// instill::Error naming the JSON path and what was expected, e.g.
// `pre_tokenizer.add_prefix_space: expected a boolean, got "yes"`.
//
// Field presence follows serde's three cases:
//   require(key)  the field has no default: absent is an error, null is a type error;
//   field(key)    the field has a serde default: absent uses it, null is still a type error;
//   option(key)   the field is an Option<T>: absent and null both mean "none".
// Unknown fields are ignored, as serde does, except where a caller lists the allowed ones.
#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace instill::tokenizer {

// Largest token id instill stores (ids are int32 internally; HF allows up to 2^32 - 1).
inline constexpr int64_t kMaxTokenId = INT32_MAX;

// The value as a message shows it: "yes" (quoted, shortened), 1.5, -1, true, null, an array, an
// object.
std::string describe_json(simdjson::dom::element e);

// The value of a JSON integer in [0, max], or nothing (not an integer, negative, or too big).
std::optional<uint64_t> json_unsigned(simdjson::dom::element e, uint64_t max);

class JsonNode {
 public:
  JsonNode(simdjson::dom::element e, std::string path) : e_(e), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& message) const;
  // "expected <what>, got <value>".
  [[noreturn]] void expected(const std::string& what) const;
  const std::string& path() const { return path_; }
  simdjson::dom::element raw() const { return e_; }

  bool is_null() const { return e_.type() == simdjson::dom::element_type::NULL_VALUE; }
  bool is_object() const { return e_.type() == simdjson::dom::element_type::OBJECT; }
  bool is_array() const { return e_.type() == simdjson::dom::element_type::ARRAY; }
  bool is_string() const { return e_.type() == simdjson::dom::element_type::STRING; }

  // ---- members of an object (the node must be an object) ----
  std::optional<JsonNode> field(std::string_view key) const;
  std::optional<JsonNode> option(std::string_view key) const;
  JsonNode require(std::string_view key) const;
  // Errors on a member not in `allowed` (for the objects HF reads with a strict visitor).
  void allow_only(std::initializer_list<std::string_view> allowed) const;
  // An object with exactly one member (serde's externally tagged enum, {"String": "x"}).
  std::pair<std::string_view, JsonNode> single_entry() const;

  // ---- typed values ----
  std::string_view as_string() const;
  bool as_bool() const;
  double as_number() const;
  uint32_t as_u32() const;      // a u32 field (type ids, ...)
  uint64_t as_usize() const;    // a usize field (lengths, positions)
  int32_t as_token_id() const;  // a token id: 0..kMaxTokenId
  std::string as_char() const;  // a string of exactly one Unicode character (serde's char)
  // One of `names`: "Name" or {"Name": null} (serde's unit variant, either form).
  std::string_view as_enum(std::initializer_list<std::string_view> names) const;
  std::vector<JsonNode> items() const;
  std::vector<std::pair<std::string_view, JsonNode>> entries() const;

  // ---- typed members with serde defaults (absent -> fallback, null -> error) ----
  bool bool_or(std::string_view key, bool fallback) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  // Option<bool> / Option<String>: absent or null -> fallback.
  bool nullable_bool_or(std::string_view key, bool fallback) const;
  std::optional<std::string> nullable_string(std::string_view key) const;

  // The component's "type", which must be one of `known`; else an error listing them.
  std::string type_of(std::initializer_list<std::string_view> known) const;

 private:
  std::string child_path(std::string_view key) const;
  simdjson::dom::element e_;
  std::string path_;
};

}  // namespace instill::tokenizer
