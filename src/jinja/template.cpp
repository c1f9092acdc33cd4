#include "jinja/template.hpp"

#include "jinja/builtins.hpp"
#include "jinja/lexer.hpp"
#include "jinja/parser.hpp"
#include "jinja/runtime.hpp"

namespace instill::jinja {

struct Template::Compiled {
  Body body;
};

Template::Template(std::string_view source, std::string name) : name_(std::move(name)) {
  auto compiled = std::make_shared<Compiled>();
  const std::string normalized = normalize_template_source(source);
  compiled->body = parse_template(normalized, name_);
  compiled_ = std::move(compiled);
}

Template::~Template() = default;
Template::Template(const Template&) = default;
Template& Template::operator=(const Template&) = default;

RenderResult Template::render(const ValueMap& context, const RenderLimits& limits) const {
  Renderer r(context, builtin_globals(), limits, name_);
  try {
    r.render_body(compiled_->body);
  } catch (const TemplateRuntimeError& e) {
    throw TemplateRuntimeError(name_ + ":" + std::to_string(r.current_line) + ": " + e.what());
  } catch (const TemplateSyntaxError&) {
    throw;
  } catch (const Error& e) {  // e.g. RecursionError from a walk over a deeply nested value
    throw TemplateRuntimeError(name_ + ":" + std::to_string(r.current_line) + ": " + e.what());
  } catch (const std::exception& e) {
    throw TemplateRuntimeError(name_ + ":" + std::to_string(r.current_line) +
                               ": internal error: " + e.what());
  }
  return RenderResult{std::move(r.out), std::move(r.generation_spans)};
}

}  // namespace instill::jinja
