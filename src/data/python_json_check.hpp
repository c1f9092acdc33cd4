#pragma once
// Exact acceptance check of Python's json.loads(bytes) for one JSONL line, used where
// simdjson (stricter) rejects a line: NaN/Infinity, integers of any size, lone-surrogate
// escapes and surrogates encoded in UTF-8 ('surrogatepass') are all valid Python JSON.
#include <optional>
#include <string>
#include <string_view>

namespace instill::data {

// Returns nullopt when Python would parse `bytes` (BOM already stripped), else the reason.
std::optional<std::string> python_json_check(std::string_view bytes);

}  // namespace instill::data
