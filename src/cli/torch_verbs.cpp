#include "cli/torch_verbs.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "cli/command.hpp"

namespace instill::cli {

int exec_torch_binary(int argc, char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path target =
      (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "instill-torch";
  if (!std::filesystem::exists(target)) {
    std::cerr << "instill: error: `instill " << argv[1]
              << "` needs libtorch, and this build has none (" << target.string()
              << " is missing); install libtorch-dev and rebuild (make build)\n";
    return 1;
  }
  // libtorch's OpenMP workers spin between parallel regions while OpenBLAS runs its own
  // threads on the same cores; spinning made CPU training ~1.5x slower here (measured with the
  // tutorial on 2 cores). libgomp reads this when it loads, hence here, before the exec. A
  // value the user set wins.
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  std::vector<char*> args(argv, argv + argc);
  const std::string target_str = target.string();
  args[0] = const_cast<char*>(target_str.c_str());
  args.push_back(nullptr);
  ::execv(target_str.c_str(), args.data());
  std::cerr << "instill: error: cannot start " << target_str << ": " << std::strerror(errno)
            << "\n";
  return 1;
}

namespace {

// Help entries only: main() hands these command lines to instill-torch before parsing.
void setup(CLI::App& root) {
  root.add_subcommand(
      "run", "Train a model with a Modalities-style YAML config (see `instill run --help`)");
  root.add_subcommand("chat",
                      "Chat with a tuned or Hugging Face model (see `instill chat --help`)");
  root.add_subcommand("evaluate",
                      "Loss of a model on a .pbin, packed or one document at a time (see "
                      "`instill evaluate --help`)");
  root.add_subcommand("generate_text",
                      "Generate text with a Modalities-style text generation config");
  root.add_subcommand("convert_to_hf", "Export a checkpoint as a Hugging Face model directory");
  root.add_subcommand("consolidate_checkpoint",
                      "Merge a data-parallel checkpoint's optimizer shards into a single "
                      "checkpoint that resumes on any number of processes");
}

INSTILL_COMMAND("run", setup);

}  // namespace

}  // namespace instill::cli
