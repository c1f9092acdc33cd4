#pragma once
// Validates JSONL lines the way Modalities' indexer does (Python json.loads on the line's
// bytes): UTF-8 (a leading BOM allowed), one JSON value of any type, surrounded by JSON
// whitespace. simdjson does the work at several GB/s; the rare line it rejects that Python
// accepts (NaN, Infinity, integers beyond 64 bits, lone-surrogate escapes) is re-checked
// by an exact Python-compatible parser.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace instill::data {

class JsonLineValidator {
 public:
  JsonLineValidator();
  ~JsonLineValidator();
  JsonLineValidator(const JsonLineValidator&) = delete;
  JsonLineValidator& operator=(const JsonLineValidator&) = delete;

  // `line` must stay readable for `readable_after` bytes past its end (lets simdjson read
  // its padding in place instead of copying). Returns the reason when invalid.
  std::optional<std::string> check(std::string_view line, size_t readable_after);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "line 3 (byte offset 120): <reason>; the line starts with: "...""
std::string describe_bad_line(std::string_view line, size_t line_number, size_t offset,
                              const std::string& reason);

}  // namespace instill::data
