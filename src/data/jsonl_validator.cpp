#include "data/jsonl_validator.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstring>

#include "data/python_json_check.hpp"

namespace instill::data {

struct JsonLineValidator::Impl {
  simdjson::dom::parser parser;
  std::string scratch;  // padded copy for lines too close to the end of the mapping
};

JsonLineValidator::JsonLineValidator() : impl_(std::make_unique<Impl>()) {}
JsonLineValidator::~JsonLineValidator() = default;

std::optional<std::string> JsonLineValidator::check(std::string_view line, size_t readable_after) {
  std::string_view body = line;
  // Python decodes bytes with 'utf-8-sig' when they start with a BOM.
  if (body.size() >= 3 && std::memcmp(body.data(), "\xEF\xBB\xBF", 3) == 0) body.remove_prefix(3);
  simdjson::error_code err;
  if (readable_after >= simdjson::SIMDJSON_PADDING) {
    err = impl_->parser.parse(body.data(), body.size(), false).error();
  } else {
    impl_->scratch.assign(body.data(), body.size());
    impl_->scratch.resize(body.size() + simdjson::SIMDJSON_PADDING);
    err = impl_->parser.parse(impl_->scratch.data(), body.size(), false).error();
  }
  if (!err) return std::nullopt;
  // simdjson is stricter than Python in a few places; let the exact checker decide.
  auto python_verdict = python_json_check(body);
  if (!python_verdict) return std::nullopt;
  return python_verdict;
}

std::string describe_bad_line(std::string_view line, size_t line_number, size_t offset,
                              const std::string& reason) {
  std::string excerpt;
  const size_t limit = 60;
  for (size_t i = 0; i < line.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == '"' || c == '\\') {
      excerpt += '\\';
      excerpt += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      excerpt += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      excerpt += buf;
    }
  }
  if (line.size() > limit) excerpt += "...";
  return "line " + std::to_string(line_number) + " (byte offset " + std::to_string(offset) +
         "): " + reason + "; the line starts with \"" + excerpt + "\"";
}

}  // namespace instill::data
