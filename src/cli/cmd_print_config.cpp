// instill print_config --config_file_path C [--experiments_root_path D --experiment_id ID]
// Loads a Modalities-style YAML config, resolves every ${...} and prints the result as JSON
// (Python json.dumps with indent 2), so users see exactly what a run would use.
#include <iostream>

#include "cli/command.hpp"
#include "config/app_config.hpp"
#include "core/python_json.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "print_config", "Load a YAML config, resolve its ${...} interpolations and print it as JSON");
  struct Opts {
    std::string config, experiments_root, experiment_id;
  };
  auto opts = std::make_shared<Opts>();
  cmd->add_option("--config_file_path", opts->config, "YAML config file")->required();
  cmd->add_option("--experiments_root_path", opts->experiments_root,
                  "Value of ${modalities_env:experiments_root_path}");
  cmd->add_option("--experiment_id", opts->experiment_id,
                  "Value of ${modalities_env:experiment_id}");
  cmd->callback([opts] {
    instill::config::ResolverContext ctx;
    ctx.config_file_path = opts->config;
    if (!opts->experiments_root.empty()) ctx.experiments_root_path = opts->experiments_root;
    if (!opts->experiment_id.empty()) ctx.experiment_id = opts->experiment_id;
    auto doc = instill::config::load_app_config(opts->config, ctx);
    instill::JsonDumpOptions json;
    json.indent = "  ";
    std::cout << instill::json_dumps(doc.root, json) << "\n";
  });
}

INSTILL_COMMAND("print_config", setup);

}  // namespace
