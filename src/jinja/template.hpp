#pragma once
// Public API of the Jinja2 engine: compile a chat template once, render it many times with
// a context of Values. Rendering matches Python Jinja2 as transformers configures it
// (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, json.dumps-based tojson).
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/value.hpp"
#include "jinja/errors.hpp"
#include "jinja/limits.hpp"

namespace instill::jinja {

struct RenderResult {
  std::string text;
  // Byte ranges [begin, end) of `text` produced inside {% generation %} blocks.
  std::vector<std::pair<size_t, size_t>> generation_spans;
};

class Template {
 public:
  // Throws TemplateSyntaxError with line, column and a caret excerpt.
  explicit Template(std::string_view source, std::string name = "<template>");
  ~Template();
  Template(const Template&);
  Template& operator=(const Template&);

  // Throws TemplateRuntimeError naming the template line (raise_exception included).
  RenderResult render(const ValueMap& context, const RenderLimits& limits = {}) const;
  std::string render_text(const ValueMap& context, const RenderLimits& limits = {}) const {
    return render(context, limits).text;
  }
  const std::string& name() const { return name_; }

 private:
  struct Compiled;
  std::string name_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace instill::jinja
