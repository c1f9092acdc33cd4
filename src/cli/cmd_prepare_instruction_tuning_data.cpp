// instill data prepare_instruction_tuning_data --config_file_path C [--skip_invalid] [--num_cpus N]
#include <iostream>

#include "cli/command.hpp"
#include "data/cleanup.hpp"
#include "data/prepare_instruction_tuning_data.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = instill::cli::data_group(root).add_subcommand(
      "prepare_instruction_tuning_data",
      "Apply the chat template to a JSONL of conversations, split it and write JSONL, .idx and "
      ".pbin per "
      "split, byte-identical with Modalities. Writes a data report beside the outputs.");
  auto opts = std::make_shared<instill::data::PrepareOptions>();
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config_file_path", *config, "Data-preparation config (YAML)")->required();
  cmd->add_flag("--skip_invalid", opts->skip_invalid,
                "Skip invalid records (listed in the report) instead of failing on the first one");
  cmd->add_flag("--quiet", opts->quiet, "No progress display");
  cmd->add_option("--num_cpus", opts->num_threads, "Threads for rendering (default: all cores)");
  cmd->callback([opts, config] {
    opts->config_file_path = *config;
    instill::data::PrepareResult result;
    try {
      result = instill::data::prepare_instruction_tuning_data(*opts);
    } catch (const instill::data::Interrupted& e) {
      std::cerr << "instill: " << e.what() << "\n";
      instill::data::die_by_signal(e.signal);  // cleaned up; now end as the signal asked
    }
    std::cout << result.report_json;
    std::cerr << "instill: prepared data written to " << result.output_dir.string() << "\n";
  });
}

INSTILL_COMMAND("prepare_instruction_tuning_data", setup);

}  // namespace
