#include "tokenizer/jsonl_lines.hpp"

#include <simdjson.h>

#include <cstdio>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace instill::tokenizer {

struct JsonlLineParser::Impl {
  simdjson::dom::parser parser;
};

JsonlLineParser::JsonlLineParser() : impl_(std::make_unique<Impl>()) {}
JsonlLineParser::~JsonlLineParser() = default;

std::string JsonlLineParser::text(std::string_view line, std::size_t line_no) {
  // Built only for an error (this runs once per input line).
  auto where = [line_no] { return "input line " + std::to_string(line_no) + ": "; };
  simdjson::dom::element doc;
  if (auto err = impl_->parser.parse(line.data(), line.size()).get(doc); err != simdjson::SUCCESS) {
    if (err == simdjson::UTF8_ERROR) throw Error(where() + "invalid UTF-8");
    if (err == simdjson::STRING_ERROR) {
      throw Error(where() + "invalid string (lone surrogate or bad escape)");
    }
    throw Error(where() + "invalid JSON: " + simdjson::error_message(err));
  }
  std::string_view s;
  if (doc["text"].get_string().get(s) != simdjson::SUCCESS) {
    throw Error(where() + "expected an object with a string field \"text\"");
  }
  std::size_t bad = 0;
  if (!is_valid_utf8(s, &bad)) {
    throw Error(where() + "invalid UTF-8 or lone surrogate in \"text\" at byte " +
                std::to_string(bad));
  }
  return std::string(s);
}

std::vector<int32_t> JsonlLineParser::ids(std::string_view line, std::size_t line_no) {
  simdjson::dom::element doc;
  simdjson::dom::array arr;
  if (impl_->parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
      doc["ids"].get_array().get(arr) != simdjson::SUCCESS) {
    throw Error("input line " + std::to_string(line_no) + ": expected {\"ids\": [...]}");
  }
  std::vector<int32_t> out;
  for (auto v : arr) {
    int64_t id = 0;
    if (v.get_int64().get(id) != simdjson::SUCCESS || id < 0 || id > INT32_MAX) {
      throw Error("input line " + std::to_string(line_no) +
                  ": ids must be non-negative 32-bit integers");
    }
    out.push_back(static_cast<int32_t>(id));
  }
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace instill::tokenizer
