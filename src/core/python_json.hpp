#pragma once
// JSON with Python's `json` module semantics, byte for byte: json_loads keeps key order,
// lets the last duplicate key win at the first key's position, keeps big integers exact and
// accepts NaN/Infinity; json_dumps matches json.dumps(ensure_ascii=..., indent=...,
// separators=..., sort_keys=...).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/value.hpp"

namespace instill {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  // json.dumps(indent=...): nullopt = one line; a string is the per-level indent
  // (an int n in Python means n spaces).
  std::optional<std::string> indent;
  // nullopt: Python's default, (", ", ": ") without indent and (",", ": ") with one.
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
  bool sort_keys = false;
  // Dumping stops with JsonTooLarge once the text passes this many bytes.
  size_t max_bytes = SIZE_MAX;
};

struct JsonTooLarge : Error {
  using Error::Error;
};

// Parses one JSON document (surrounding whitespace allowed). Throws instill::Error with
// the line, column and byte offset of the problem, as Python's JSONDecodeError reports.
Value json_loads(std::string_view text);

// Throws instill::Error for values JSON cannot hold (engine objects).
std::string json_dumps(const Value& value, const JsonDumpOptions& options = {});
void append_json(std::string& out, const Value& value, const JsonDumpOptions& options = {});

}  // namespace instill
