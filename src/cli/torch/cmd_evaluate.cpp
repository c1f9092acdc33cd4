// instill evaluate --model CHECKPOINT_OR_HF_DIR --data PBIN [--packing none|bfd]
//                  [--sequence_length N] [--micro_batch_size N] [--loss_markers B E]
//                  [--pad_token_id ID] [--device D] [--threads N]
// Prints one JSON object: loss (mean over the file's trainable tokens), trainable_tokens,
// documents, rows, tokens_per_s (generate/file_evaluation.hpp).
#include <torch/torch.h>

#include <iostream>

#include "cli/command.hpp"
#include "core/python_json.hpp"
#include "generate/file_evaluation.hpp"

namespace {

using namespace instill;

struct EvaluateOptions {
  generate::FileEvaluationOptions file;
  std::string packing = "none";
  std::vector<std::string> markers;
  int64_t pad_token_id = -1;
  int threads = 0;
};

void evaluate(EvaluateOptions o) {
  if (o.threads > 0) torch::set_num_threads(o.threads);
  o.file.packed = o.packing == "bfd";
  if (!o.markers.empty()) o.file.loss_markers = std::make_pair(o.markers[0], o.markers[1]);
  if (o.pad_token_id >= 0) o.file.pad_token_id = o.pad_token_id;
  std::cout << json_dumps(generate::evaluate_file(o.file).to_json()) << std::endl;
}

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("evaluate",
                                  "Loss of a model on a .pbin, packed or one document at a time");
  auto o = std::make_shared<EvaluateOptions>();
  cmd->add_option("--model", o->file.model,
                  "instill checkpoint (folder or root) or Hugging Face model directory")
      ->required();
  cmd->add_option("--data", o->file.data, ".pbin with its document index")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--packing", o->packing, "none: one document at a time; bfd: packed rows")
      ->check(CLI::IsMember({"none", "bfd"}));
  cmd->add_option("--sequence_length", o->file.sequence_length,
                  "Positions per row (default: the model's; 2048 for Hugging Face models)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--micro_batch_size", o->file.micro_batch_size, "Packed rows per forward pass")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--loss_markers", o->markers,
                  "Begin and end loss-marker tokens (default: the checkpoint's loss_markers.json; "
                  "none: every target counts)")
      ->expected(2);
  cmd->add_option("--pad_token_id", o->pad_token_id,
                  "Trailing padding id to drop (default: the tokenizer's pad token)");
  cmd->add_option("--device", o->file.device, "cpu or cuda[:N]");
  cmd->add_option("--threads", o->threads, "CPU threads (default: all cores)");
  cmd->callback([o] { evaluate(*o); });
}

INSTILL_COMMAND("evaluate", setup);

}  // namespace
