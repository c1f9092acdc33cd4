#pragma once
// `prepare_instruction_tuning_data` (spec §4): conversations JSONL -> role mapping ->
// chat template -> seeded train/val/test split -> hash-named JSONL, .idx, pbin configs and
// .pbin per partition, byte-identical with Modalities for valid input. Everything is
// staged next to the output folder and moved into place only when all of it succeeded;
// bad records fail the run naming their line (or are skipped and listed with
// skip_invalid), and a data report is written beside the outputs.
#include <filesystem>
#include <memory>
#include <string>

#include "core/value.hpp"

namespace instill::data {

struct PrepareOptions {
  std::filesystem::path config_file_path;
  bool skip_invalid = false;
  int num_threads = 0;  // 0: all cores
  bool quiet = false;
};

struct PrepareResult {
  std::filesystem::path output_dir;
  std::string report_json;  // also written to <output_dir>/report.<hash>.json
};

PrepareResult prepare_instruction_tuning_data(const PrepareOptions& options);

class TokenizerComponent;

// What chat needs to prompt a model in the format it was tuned on: the config's template
// (compiled as prepare_instruction_tuning_data compiles it), its chat_template_data and role
// mapping, and the packing config's tokenizer with its special tokens registered.
struct InstructionChatFormat {
  std::string chat_template;
  Value chat_template_data;
  ValueMap role_mapping;
  std::shared_ptr<TokenizerComponent> tokenizer;
};
InstructionChatFormat load_instruction_chat_format(const std::filesystem::path& config_file_path);

}  // namespace instill::data
