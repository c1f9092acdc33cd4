// instill run --config_file_path C --experiments_root_path D [--experiment_id ID]
//             [--device cpu|cuda:N] [--resume_from CHECKPOINT_DIR] [--threads N]
// Trains with a Modalities-style training config (spec §8).
#include "cli/command.hpp"
#include "train/run.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("run", "Train a model with a Modalities-style YAML config");
  auto o = std::make_shared<instill::train::RunOptions>();
  cmd->add_option("--config_file_path", o->config_file_path, "Training config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--experiments_root_path", o->experiments_root_path,
                  "Folder for experiment folders (${modalities_env:experiments_root_path})")
      ->required();
  cmd->add_option("--experiment_id", o->experiment_id,
                  "Experiment id (default: local time + hash of the config path)");
  cmd->add_option("--device", o->device,
                  "cpu or cuda:N (default: the config's device_mesh device_type)");
  cmd->add_option("--resume_from", o->resume_from,
                  "Checkpoint folder to continue from (exact continuation)");
  cmd->add_option("--threads", o->threads, "CPU threads for tensor ops (default: all cores)");
  cmd->callback([o] { instill::train::run_training(*o); });
}

INSTILL_COMMAND("run", setup);

}  // namespace
