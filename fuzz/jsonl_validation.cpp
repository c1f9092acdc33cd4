// JSONL data is validated line by line as Python's json.loads would (create_raw_index). Two
// checks: indexing any bytes ends in an index or an Error naming the line; and the fast
// simdjson path never accepts a line that the exact Python-compatible checker rejects.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "data/jsonl_validator.hpp"
#include "data/python_json_check.hpp"
#include "data/raw_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)instill::data::build_raw_index(bytes, "fuzz.jsonl");
  } catch (const instill::Error&) {
  }

  // The first line alone through the validator, with simdjson's padding readable after it.
  std::string_view line = bytes.substr(0, bytes.find('\n'));
  std::string padded(line);
  padded.append(64, '\0');
  static instill::data::JsonLineValidator validator;
  std::optional<std::string> verdict = validator.check({padded.data(), line.size()}, 64);
  std::string_view body = line;
  if (body.size() >= 3 && std::memcmp(body.data(), "\xEF\xBB\xBF", 3) == 0) body.remove_prefix(3);
  std::optional<std::string> python = instill::data::python_json_check(body);
  if (verdict.has_value() != python.has_value()) __builtin_trap();
  return 0;
}
