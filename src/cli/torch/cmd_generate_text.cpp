// instill generate_text --config_file_path G [--template DATA_CONFIG.yaml] [--threads N]
// The options of the text generation recipe (generate/text_generation_recipe.hpp).
#include <torch/torch.h>

#include <iostream>

#include "cli/command.hpp"
#include "generate/text_generation_recipe.hpp"

namespace {

using namespace instill;

struct GenerateTextOptions {
  generate::TextGenerationOptions recipe;
  int threads = 0;
};

void generate_text(const GenerateTextOptions& o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  generate::run_text_generation(o.recipe, std::cin, std::cout);
}

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("generate_text",
                                  "Generate text with a Modalities-style text generation config");
  auto o = std::make_shared<GenerateTextOptions>();
  cmd->add_option("--config_file_path", o->recipe.config_file_path, "Text generation config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--template", o->recipe.template_file,
                  "Instruction-tuning data config: prompt in the format the model was tuned on");
  cmd->add_option("--threads", o->threads, "CPU threads (default: all cores)");
  cmd->callback([o] { generate_text(*o); });
}

INSTILL_COMMAND("generate_text", setup);

}  // namespace
