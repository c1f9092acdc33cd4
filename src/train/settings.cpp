#include "train/settings.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "config/key_error.hpp"
#include "config/schema.hpp"
#include "core/error.hpp"
#include "core/python_repr.hpp"

namespace instill::train {

using config::Field;
using config::FieldKind;
using config::Schema;

namespace {

void warn_or_throw(bool enforce, const std::string& msg) {
  if (enforce) throw Error(msg);
  std::cerr << "warning: " << msg << "\n";
}

const Schema& settings_schema() {
  static const Schema kSchema{
      Field::string("experiment_id"), Field::path("config_file_path"),
      Field::map("referencing_keys",
                 Schema{Field::string("sample_key"), Field::string("target_key"),
                        Field::string("prediction_key")}),
      Field::map("cuda_env", Schema{Field::integer("local_rank").at_least(0).strict(),
                                    Field::integer("world_size").at_least(1).strict(),
                                    Field::integer("global_rank").at_least(0).strict()}),
      Field::map("paths").of(FieldKind::kPath),
      Field::map("intervals", Schema{Field::integer("training_log_interval_in_steps").at_least(1),
                                     Field::integer("checkpointing_interval_in_steps").at_least(1),
                                     Field::integer("evaluation_interval_in_steps").at_least(1)}),
      Field::map("consistency_enforcement",
                 Schema{Field::boolean("enforce_tokens_per_step_consistency").defaults(true),
                        Field::boolean("enforce_last_step_logged").defaults(true),
                        Field::boolean("enforce_last_step_evaluated").defaults(true),
                        Field::boolean("enforce_last_step_checkpointed").defaults(true),
                        Field::boolean("enforce_enough_tokens_in_dataset").defaults(true)})
          .defaults(Value(ValueMap{})),
      Field::map("step_profile",
                 Schema{Field::integer("gradient_accumulation_steps").at_least(1),
                        Field::integer("local_train_micro_batch_size").at_least(1),
                        Field::integer("sequence_length").at_least(1).at_most(1 << 24),
                        Field::integer("dp_degree").at_least(1)}),
      Field::map("training_target", Schema{Field::integer("num_target_tokens").at_least(1),
                                           Field::integer("num_target_steps").at_least(1)}),
      Field::map("training_progress", Schema{Field::integer("global_num_seen_tokens").at_least(0),
                                             Field::integer("num_seen_steps").at_least(0),
                                             Field::integer("num_seen_samples").at_least(0),
                                             Field::integer("last_step").at_least(-1)}),
      // Modalities' other warm-start keys (FSDP1 file paths) are accepted and unused.
      Field::map(
          "warmstart_checkpoint_paths",
          Schema{
              Field::path("checkpoint_folder_path").doc("the path of an instill checkpoint folder")}
              .open())
          .optional(),
      Field::any("debugging").optional()};
  return kSchema;
}

}  // namespace

std::string Settings::experiment_folder() const {
  auto it = paths.find("experiment_folder_path");
  if (it != paths.end()) return it->second;
  return (std::filesystem::path(experiments_root_path) / experiment_id).string();
}

Settings parse_settings(const Value& built, const config::ConfigDocument& doc) {
  const Value checked = settings_schema().validate(built, "settings", "settings", &doc);
  auto at = [&](const char* section, const char* key) -> const Value& {
    return checked.as_map().at(section).as_map().at(key);
  };
  auto integer = [&](const char* section, const char* key) { return at(section, key).as_int(); };
  auto flag = [&](const char* key) { return at("consistency_enforcement", key).as_bool(); };
  Settings s;
  s.experiment_id = checked.as_map().at("experiment_id").as_string();
  s.config_file_path = checked.as_map().at("config_file_path").as_string();
  s.sample_key = at("referencing_keys", "sample_key").as_string();
  s.target_key = at("referencing_keys", "target_key").as_string();
  s.prediction_key = at("referencing_keys", "prediction_key").as_string();
  s.local_rank = integer("cuda_env", "local_rank");
  s.world_size = integer("cuda_env", "world_size");
  s.global_rank = integer("cuda_env", "global_rank");
  for (const auto& [key, path] : checked.as_map().at("paths").as_map())
    s.paths[key] = path.as_string();
  if (!s.paths.count("experiments_root_path"))
    throw config::key_error("settings.paths.experiments_root_path",
                            "required field is missing; the usual value is "
                            "${modalities_env:experiments_root_path}",
                            &doc);
  s.experiments_root_path = s.paths.at("experiments_root_path");
  s.log_interval = integer("intervals", "training_log_interval_in_steps");
  s.checkpoint_interval = integer("intervals", "checkpointing_interval_in_steps");
  s.eval_interval = integer("intervals", "evaluation_interval_in_steps");
  s.enforce_tokens_per_step = flag("enforce_tokens_per_step_consistency");
  s.enforce_last_step_logged = flag("enforce_last_step_logged");
  s.enforce_last_step_evaluated = flag("enforce_last_step_evaluated");
  s.enforce_last_step_checkpointed = flag("enforce_last_step_checkpointed");
  s.enforce_enough_tokens = flag("enforce_enough_tokens_in_dataset");
  s.gradient_accumulation_steps = integer("step_profile", "gradient_accumulation_steps");
  s.micro_batch_size = integer("step_profile", "local_train_micro_batch_size");
  s.sequence_length = integer("step_profile", "sequence_length");
  s.dp_degree = integer("step_profile", "dp_degree");
  s.num_target_tokens = integer("training_target", "num_target_tokens");
  s.num_target_steps = integer("training_target", "num_target_steps");
  s.seen_tokens = integer("training_progress", "global_num_seen_tokens");
  s.seen_steps = integer("training_progress", "num_seen_steps");
  s.seen_samples = integer("training_progress", "num_seen_samples");
  s.last_step = integer("training_progress", "last_step");
  if (const Value& ws = checked.as_map().at("warmstart_checkpoint_paths"); !ws.is_null())
    s.warmstart_checkpoint_folder = ws.as_map().at("checkpoint_folder_path").as_string();
  if (s.seen_steps > s.num_target_steps)
    throw config::key_error("settings.training_progress.num_seen_steps",
                            std::to_string(s.seen_steps) + " is beyond num_target_steps (" +
                                std::to_string(s.num_target_steps) + ")",
                            &doc);
  return s;
}

void check_step_consistency(const Settings& s) {
  const int64_t remaining = s.num_target_steps - s.seen_steps;
  if (remaining > 0) {
    const double required =
        static_cast<double>(s.num_target_tokens - s.seen_tokens) / static_cast<double>(remaining);
    if (required != static_cast<double>(s.tokens_per_step())) {
      warn_or_throw(s.enforce_tokens_per_step,
                    "Required number of tokens per step is (" + python_float_repr(required) +
                        ") which does not match the number of tokens per step (" +
                        std::to_string(s.tokens_per_step()) +
                        ") from the step profile (settings.consistency_enforcement."
                        "enforce_tokens_per_step_consistency).");
    }
  }
  // Logging, evaluation and checkpoints fire when the *total* step count is a multiple of the
  // interval, so that is what decides whether the last step gets one. (The reference tests
  // the remaining steps instead, which agrees for fresh runs and wrongly fails resumed ones.)
  auto last = [&](int64_t interval, bool enforce, const char* what, const char* flag) {
    if (s.num_target_steps % interval != 0)
      warn_or_throw(enforce, std::string("Last step will not be ") + what + ". The target step " +
                                 std::to_string(s.num_target_steps) +
                                 " is not a multiple of the interval " + std::to_string(interval) +
                                 " (settings.consistency_enforcement." + flag + ").");
  };
  last(s.log_interval, s.enforce_last_step_logged, "logged", "enforce_last_step_logged");
  last(s.eval_interval, s.enforce_last_step_evaluated, "evaluated", "enforce_last_step_evaluated");
  last(s.checkpoint_interval, s.enforce_last_step_checkpointed, "checkpointed",
       "enforce_last_step_checkpointed");
}

void check_enough_tokens(const Settings& s, int64_t dataset_samples) {
  const int64_t actual = dataset_samples * s.sequence_length;
  if (actual < s.num_target_tokens)
    warn_or_throw(s.enforce_enough_tokens,
                  "Not enough tokens in dataset. Actual: " + std::to_string(actual) +
                      ", Expected: >=" + std::to_string(s.num_target_tokens) +
                      " (settings.consistency_enforcement.enforce_enough_tokens_in_dataset).");
}

}  // namespace instill::train
