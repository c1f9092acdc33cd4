// instill consolidate_checkpoint --checkpoint DIR --output DIR
// Merges the per-rank optimizer shards of a data-parallel checkpoint into a single-process
// checkpoint that resumes on any number of processes (and converts like any other).
#include <iostream>

#include "cli/command.hpp"
#include "train/distributed/checkpoint_consolidation.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "consolidate_checkpoint",
      "Merge a checkpoint written by several data-parallel ranks into a single one");
  struct Opts {
    std::string checkpoint, output;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint folder written by `instill run`")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--output", o->output, "New checkpoint folder (must not exist or be empty)")
      ->required();
  cmd->callback([o] {
    const auto summary =
        instill::train::distributed::consolidate_checkpoint(o->checkpoint, o->output);
    std::cout << "consolidated " << summary.shards << " optimizer shard(s), "
              << summary.optimizer_tensors << " state tensors -> " << o->output << std::endl;
  });
}

INSTILL_COMMAND("consolidate_checkpoint", setup);

}  // namespace
