#pragma once
// `pack_encoded_data` (spec §6): JSONL + raw index -> jq -> tokenizer -> EOD rule -> .pbin.
// Tokenization runs on all requested cores in chunks; documents are written in input
// order. Unlike the reference (which silently drops a failing work item and every later
// one, Q6), the first bad document stops the run with an error naming its line, and no
// output file is left behind.
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config_document.hpp"
#include "core/fs.hpp"
#include "data/tokenizer_component.hpp"

namespace instill::data {

struct PackSettings {
  std::filesystem::path src_path;
  std::filesystem::path dst_path;
  std::filesystem::path index_path;
  std::string jq_pattern;
  int num_cpus = 0;  // 0: all cores
  std::string eod_token;
  bool show_progress = true;
  // Skip documents that fail (listed in PackStats::skipped) instead of stopping.
  bool skip_invalid = false;  // a progress line on stderr when it is a terminal
  // Called in document order with each document's final ids (for reports).
  std::function<void(size_t document, std::span<const uint32_t> ids)> on_document;
};

struct PackStats {
  bool written = false;
  size_t documents = 0;
  uint64_t tokens = 0;
  int token_size = 0;
  std::vector<std::pair<size_t, std::string>> skipped;  // (1-based line, reason)
};

// The token width of a pbin for this tokenizer: the reference's, by the base vocabulary, grown
// (with a warning) when added tokens reach past it.
int pbin_token_size(const tokenizer::HfTokenizer& tokenizer);

PackStats pack_encoded_data(const PackSettings& settings, const TokenizerComponent& tokenizer,
                            FileExistencePolicy policy);

// The whole command from a loaded config (settings + tokenizer component), as Modalities'
// PackedDatasetComponentsInstantiationModel describes it.
// The settings and the tokenizer component of a packing config (settings + tokenizer).
PackSettings pack_settings_from_config(const config::ConfigDocument& config);
std::shared_ptr<TokenizerComponent> build_tokenizer(const config::ConfigDocument& config);

// `adjust` changes the settings read from the config before packing.
PackStats pack_encoded_data(const config::ConfigDocument& config, FileExistencePolicy policy,
                            const std::function<void(PackSettings&)>& adjust = {});

}  // namespace instill::data
