// `instill render_template`: renders a chat template with a JSON context, printing exactly
// the rendered text.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/python_json.hpp"
#include "jinja/template.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace {

struct RenderTemplateOptions {
  std::string template_path;
  std::string tokenizer_dir;
  std::string context_path;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw instill::Error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run(const RenderTemplateOptions& o) {
  if (o.template_path.empty() == o.tokenizer_dir.empty())
    throw instill::UsageError("render_template: give exactly one of --template or --tokenizer");
  std::string source;
  std::string name;
  if (!o.template_path.empty()) {
    source = read_text(o.template_path);
    name = o.template_path;
  } else {
    source = instill::tokenizer::folder_chat_template(o.tokenizer_dir);
    name = o.tokenizer_dir + "/chat_template";
  }
  instill::Value context;
  try {
    context = instill::json_loads(read_text(o.context_path));
  } catch (const instill::Error& e) {
    throw e.with_context(o.context_path);
  }
  if (!context.is_map())
    throw instill::Error(o.context_path + ": the context must be a JSON object");
  const instill::jinja::Template tpl(source, name);
  const std::string text = tpl.render_text(context.as_map());
  std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
  std::cout.flush();
}

void setup(CLI::App& root) {
  auto opts = std::make_shared<RenderTemplateOptions>();
  auto* cmd =
      root.add_subcommand("render_template", "Render a Jinja2 chat template with a JSON context");
  auto* t = cmd->add_option("--template", opts->template_path, "Jinja2 template file");
  auto* k = cmd->add_option("--tokenizer", opts->tokenizer_dir,
                            "Tokenizer directory whose chat template to use");
  t->excludes(k);
  cmd->add_option("--context", opts->context_path, "JSON object whose keys are the variables")
      ->required();
  cmd->callback([opts] { run(*opts); });
}

}  // namespace

INSTILL_COMMAND("render_template", setup);
