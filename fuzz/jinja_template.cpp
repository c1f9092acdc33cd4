// Chat templates come from model hubs: compiling and rendering any text must end in a
// template error or a bounded render, never a crash, an unbounded allocation or a hang.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/value.hpp"
#include "jinja/template.hpp"

namespace {

// The context transformers passes to a chat template: a short conversation with every role,
// the special tokens and the generation flag.
instill::ValueMap make_context() {
  auto message = [](const char* role, const char* content) {
    instill::ValueMap m;
    m.set("role", role);
    m.set("content", content);
    return instill::Value(std::move(m));
  };
  instill::ValueList messages = {message("system", "You are helpful."),
                                 message("user", "Hi <b>there</b> \xc3\xa9"),
                                 message("assistant", "Hello!"), message("user", "2+2?")};
  instill::ValueMap context;
  context.set("messages", instill::Value(std::move(messages)));
  context.set("bos_token", "<s>");
  context.set("eos_token", "</s>");
  context.set("add_generation_prompt", true);
  context.set("tools", nullptr);
  return context;
}

// Small bounds so that every input finishes quickly; crossing one is an expected error.
instill::jinja::RenderLimits make_limits() {
  instill::jinja::RenderLimits limits;
  limits.max_output_bytes = size_t{1} << 20;
  limits.max_value_bytes = size_t{4} << 20;
  limits.max_loop_iterations = 100'000;
  limits.max_render_seconds = 0.5;
  limits.max_range_length = 10'000;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const instill::ValueMap context = make_context();
  static const instill::jinja::RenderLimits limits = make_limits();
  std::string_view source(reinterpret_cast<const char*>(data), size);
  try {
    instill::jinja::Template tmpl(source, "fuzz.jinja");
    (void)tmpl.render(context, limits);
  } catch (const instill::Error&) {
    // TemplateSyntaxError, TemplateRuntimeError (raise_exception, limits) and other Errors
  }
  return 0;
}
