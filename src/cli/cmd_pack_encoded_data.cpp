// instill data pack_encoded_data CONFIG_PATH [--file_existence_policy skip|error|override]
#include <chrono>
#include <iostream>

#include "cli/command.hpp"
#include "config/app_config.hpp"
#include "data/cleanup.hpp"
#include "data/pack_encoded_data.hpp"

namespace {

void setup(CLI::App& root) {
  auto* cmd = instill::cli::data_group(root).add_subcommand(
      "pack_encoded_data",
      "Tokenize the documents of a JSONL file (jq_pattern) and pack them into a .pbin, "
      "byte-identical "
      "with Modalities. Fails on the first bad document, naming its line.");
  struct Opts {
    std::string config;
    std::string policy = "error";
    bool skip_invalid = false;
  };
  auto opts = std::make_shared<Opts>();
  cmd->add_option("config_path", opts->config, "Packing config (settings + tokenizer)")->required();
  cmd->add_option("--file_existence_policy", opts->policy,
                  "What to do when the .pbin exists: skip, error or override")
      ->check(CLI::IsMember({"skip", "error", "override"}))
      ->capture_default_str();
  cmd->add_flag(
      "--skip_invalid", opts->skip_invalid,
      "Skip documents that fail (each listed on stderr) instead of stopping at the first");
  cmd->callback([opts] {
    const auto t0 = std::chrono::steady_clock::now();
    auto doc = instill::config::load_app_config(opts->config);
    instill::data::PackStats stats;
    try {
      stats = instill::data::pack_encoded_data(
          doc, instill::parse_file_existence_policy(opts->policy),
          [&](instill::data::PackSettings& s) { s.skip_invalid = opts->skip_invalid; });
    } catch (const instill::data::Interrupted& e) {
      std::cerr << "instill: " << e.what() << "\n";
      instill::data::die_by_signal(e.signal);  // cleaned up; now end as the signal asked
    }
    for (const auto& [line, why] : stats.skipped)
      std::cerr << "instill: skipped line " << line << ": " << why << "\n";
    if (!stats.written) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "instill: packed " << stats.documents << " documents, " << stats.tokens
              << " tokens (" << stats.token_size << " bytes each) in " << s << " s\n";
  });
}

INSTILL_COMMAND("pack_encoded_data", setup);

}  // namespace
