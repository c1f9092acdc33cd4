// instill data create_raw_index [--index_path P] [--file_existence_policy ...] SRC_PATH
#include <chrono>
#include <iostream>

#include "cli/command.hpp"
#include "data/raw_index.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = instill::cli::data_group(root).add_subcommand(
      "create_raw_index",
      "Index a JSONL file: one (byte offset, byte length) pair per line, every line validated as "
      "JSON. Writes a pickle byte-identical with Modalities' .idx.");
  struct Opts {
    std::string src;
    std::string index_path;
    std::string policy = "error";
  };
  auto opts = std::make_shared<Opts>();
  cmd->add_option("src_path", opts->src, "JSONL file to index")->required();
  cmd->add_option("--index_path", opts->index_path,
                  "Output .idx (default: <src dir>/<src stem>.idx)");
  cmd->add_option("--file_existence_policy", opts->policy,
                  "What to do when the index exists: skip, error or override")
      ->check(CLI::IsMember({"skip", "error", "override"}))
      ->capture_default_str();
  cmd->callback([opts] {
    namespace fs = std::filesystem;
    const fs::path src = opts->src;
    const fs::path index = opts->index_path.empty() ? instill::data::default_index_path(src)
                                                    : fs::path(opts->index_path);
    const auto t0 = std::chrono::steady_clock::now();
    auto result = instill::data::create_raw_index(
        src, index, instill::parse_file_existence_policy(opts->policy));
    if (!result.written) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "instill: indexed " << result.lines << " lines (" << result.bytes << " bytes) of "
              << src.string() << " in " << s << " s -> " << index.string() << "\n";
  });
}

INSTILL_COMMAND("create_raw_index", setup);

}  // namespace
