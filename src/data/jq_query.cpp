#include "data/jq_query.hpp"

extern "C" {
#include <jq.h>
#include <jv.h>
}

#include <regex>

#include "core/error.hpp"
#include "core/python_json.hpp"
#include "core/python_repr.hpp"
#include "core/utf8.hpp"

namespace instill::data {

struct JqQuery::LibJq {
  jq_state* state = nullptr;
  ~LibJq() {
    if (state) jq_teardown(&state);
  }
};

JqQuery::JqQuery(const std::string& program) : program_(program), jq_(std::make_unique<LibJq>()) {
  static const std::regex kKeyPath(R"(^(\.[A-Za-z_][A-Za-z0-9_]*)+$)");
  if (std::regex_match(program, kKeyPath)) {
    size_t i = 1;
    while (i <= program.size()) {
      size_t dot = program.find('.', i);
      if (dot == std::string::npos) dot = program.size();
      key_path_.push_back(program.substr(i, dot - i));
      i = dot + 1;
    }
  }
  // Compiling a jq program costs milliseconds (libjq compiles its builtins too), so plain
  // key paths never touch libjq unless a line needs it.
  if (key_path_.empty()) compile();
}

void JqQuery::compile() {
  if (jq_->state) return;
  jq_->state = jq_init();
  if (!jq_->state) throw Error("jq: cannot initialise libjq");
  // Collect libjq's compile messages instead of letting it print them.
  std::string messages;
  jq_set_error_cb(
      jq_->state,
      [](void* data, jv msg) {
        auto* out = static_cast<std::string*>(data);
        jv text =
            jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg) : jv_dump_string(jv_copy(msg), 0);
        if (!out->empty()) *out += "; ";
        *out += jv_string_value(text);
        jv_free(text);
        jv_free(msg);
      },
      &messages);
  const bool ok = jq_compile(jq_->state, program_.c_str());
  jq_set_error_cb(jq_->state, nullptr, nullptr);
  if (!ok)
    throw Error("jq_pattern: cannot compile the jq program \"" + program_ + "\"" +
                (messages.empty() ? std::string() : ": " + messages));
}

JqQuery::~JqQuery() = default;

std::optional<std::string> JqQuery::fast_path(std::string_view json_line, bool& handled) const {
  handled = false;
  if (key_path_.empty()) return std::nullopt;
  Value v = json_loads(json_line);
  for (const auto& key : key_path_) {
    if (v.is_null()) break;                // jq: .a.b on null is null
    if (!v.is_map()) return std::nullopt;  // libjq reports the precise error
    const Value* child = v.as_map().find(key);
    v = child ? *child : Value();
  }
  if (v.is_string() && !is_valid_utf8(v.as_string()))
    return std::nullopt;  // lone surrogates: libjq's rules
  handled = true;
  if (v.is_null())
    throw Error("jq was not able to find anything using the expression \"" + program_ + "\"");
  if (!v.is_string())
    throw Error("jq expression \"" + program_ + "\" gave a " + v.python_type_name() + " (" +
                python_repr(v).substr(0, 60) + "), expected a string to tokenize");
  return v.as_string();
}

std::string JqQuery::first_string(std::string_view json_line) {
  bool handled = false;
  if (auto s = fast_path(json_line, handled)) return *s;
  compile();
  jv input = jv_parse_sized(json_line.data(), static_cast<int>(json_line.size()));
  if (!jv_is_valid(input)) {
    jv msg = jv_invalid_get_msg(input);
    std::string text = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "invalid JSON";
    jv_free(msg);
    throw Error("jq: " + text);
  }
  jq_start(jq_->state, input, 0);
  jv out = jq_next(jq_->state);
  std::string result;
  const jv_kind kind = jv_get_kind(out);
  if (kind == JV_KIND_STRING) {
    result.assign(jv_string_value(out), static_cast<size_t>(jv_string_length_bytes(jv_copy(out))));
    jv_free(out);
    return result;
  }
  if (kind == JV_KIND_INVALID) {
    jv msg = jv_invalid_get_msg(out);
    const bool has_msg = jv_get_kind(msg) == JV_KIND_STRING;
    std::string text = has_msg ? jv_string_value(msg) : "";
    jv_free(msg);
    if (has_msg) throw Error("jq expression \"" + program_ + "\" failed: " + text);
    throw Error("jq was not able to find anything using the expression \"" + program_ +
                "\" (no output)");
  }
  jv_free(out);
  if (kind == JV_KIND_NULL)
    throw Error("jq was not able to find anything using the expression \"" + program_ + "\"");
  throw Error("jq expression \"" + program_ + "\" gave a " + std::string(jv_kind_name(kind)) +
              ", expected a string to tokenize");
}

}  // namespace instill::data
