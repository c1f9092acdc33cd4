#pragma once
// Parsing of the CLI's JSONL input lines ({"text": ...} / {"ids": [...]}) with validation and
// errors that name the line. simdjson stays behind this interface so that no other target
// needs its compile definitions.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace instill::tokenizer {

class JsonlLineParser {
 public:
  JsonlLineParser();
  ~JsonlLineParser();
  // The "text" string of a line; throws instill::Error "input line N: ..." on invalid JSON,
  // invalid UTF-8, lone surrogates or a missing/non-string "text".
  std::string text(std::string_view line, std::size_t line_no);
  // The "ids" array of a line.
  std::vector<int32_t> ids(std::string_view line, std::size_t line_no);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends s as a JSON string literal (UTF-8 kept raw, control characters escaped).
void append_json_string(std::string& out, std::string_view s);

}  // namespace instill::tokenizer
