#pragma once
// The `settings` block of a training config (spec §8.2): typed, validated with key paths,
// and the consistency checks the reference runs (tokens per step, last step logged /
// evaluated / checkpointed, enough tokens in the dataset).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "config/config_document.hpp"
#include "core/value.hpp"

namespace instill::train {

struct Settings {
  std::string experiment_id;
  std::string config_file_path;
  std::string sample_key, target_key, prediction_key;
  int64_t local_rank = 0, global_rank = 0, world_size = 1;
  std::string experiments_root_path;
  std::map<std::string, std::string> paths;
  int64_t log_interval = 1, checkpoint_interval = 1, eval_interval = 1;
  bool enforce_tokens_per_step = true, enforce_last_step_logged = true,
       enforce_last_step_evaluated = true, enforce_last_step_checkpointed = true,
       enforce_enough_tokens = true;
  int64_t gradient_accumulation_steps = 1, micro_batch_size = 1, sequence_length = 1, dp_degree = 1;
  int64_t num_target_tokens = 1, num_target_steps = 1;
  int64_t seen_tokens = 0, seen_steps = 0, seen_samples = 0, last_step = -1;
  std::optional<std::string> warmstart_checkpoint_folder;

  int64_t tokens_per_step() const {
    return micro_batch_size * sequence_length * gradient_accumulation_steps * dp_degree;
  }
  // <experiments_root_path>/<experiment_id>, or paths.experiment_folder_path when given.
  std::string experiment_folder() const;
};

// `built` is the settings value after its nested components were built.
Settings parse_settings(const Value& built, const config::ConfigDocument& doc);

// Checks 1-4 of spec §8.2; errors when enforced, warnings (to stderr) otherwise.
void check_step_consistency(const Settings& s);
// Check 5: the training dataset holds enough tokens.
void check_enough_tokens(const Settings& s, int64_t dataset_samples);

}  // namespace instill::train
