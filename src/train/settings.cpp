#include "train/settings.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "config/schema.hpp"
#include "core/error.hpp"
#include "core/python_repr.hpp"

namespace instill::train {

using config::Field;
using config::Schema;

namespace {

const Value& section(const ValueMap& m, const char* key, const config::ConfigDocument& doc) {
  const Value* v = m.find(key);
  if (!v || !v->is_map())
    throw Error(doc.where("settings") + "settings." + key +
                (v ? ": expected a mapping" : ": missing (required)"));
  return *v;
}

Value validate(const Schema& schema, const Value& v, const std::string& path,
               const config::ConfigDocument& doc) {
  return schema.validate(v, path, "settings", &doc);
}

void warn_or_throw(bool enforce, const std::string& msg) {
  if (enforce) throw Error(msg);
  std::cerr << "warning: " << msg << "\n";
}

}  // namespace

std::string Settings::experiment_folder() const {
  auto it = paths.find("experiment_folder_path");
  if (it != paths.end()) return it->second;
  return (std::filesystem::path(experiments_root_path) / experiment_id).string();
}

Settings parse_settings(const Value& built, const config::ConfigDocument& doc) {
  if (!built.is_map()) throw Error(doc.where("settings") + "settings: expected a mapping");
  const ValueMap& m = built.as_map();
  Settings s;
  Value top = validate(
      Schema{Field::string("experiment_id"), Field::path("config_file_path"),
             Field::map("referencing_keys"), Field::map("cuda_env"), Field::map("paths"),
             Field::map("intervals"),
             Field::map("consistency_enforcement").defaults(Value(ValueMap{})),
             Field::map("step_profile"), Field::map("training_target"),
             Field::map("training_progress"), Field::any("warmstart_checkpoint_paths").optional(),
             Field::any("debugging").optional()},
      built, "settings", doc);
  const ValueMap& t = top.as_map();
  s.experiment_id = t.at("experiment_id").as_string();
  s.config_file_path = t.at("config_file_path").as_string();

  Value keys = validate(Schema{Field::string("sample_key"), Field::string("target_key"),
                               Field::string("prediction_key")},
                        section(m, "referencing_keys", doc), "settings.referencing_keys", doc);
  s.sample_key = keys.as_map().at("sample_key").as_string();
  s.target_key = keys.as_map().at("target_key").as_string();
  s.prediction_key = keys.as_map().at("prediction_key").as_string();

  Value cuda = validate(Schema{Field::integer("local_rank").at_least(0).strict(),
                               Field::integer("world_size").at_least(1).strict(),
                               Field::integer("global_rank").at_least(0).strict()},
                        section(m, "cuda_env", doc), "settings.cuda_env", doc);
  s.local_rank = cuda.as_map().at("local_rank").as_int();
  s.world_size = cuda.as_map().at("world_size").as_int();
  s.global_rank = cuda.as_map().at("global_rank").as_int();

  for (const auto& [k, v] : section(m, "paths", doc).as_map()) {
    if (!v.is_string())
      throw Error(doc.where("settings.paths." + k) + "settings.paths." + k +
                  ": expected a path string, got " + config::describe_value(v));
    s.paths[k] = v.as_string();
  }
  if (!s.paths.count("experiments_root_path"))
    throw Error(doc.where("settings.paths") +
                "settings.paths.experiments_root_path: missing (required); the usual value is "
                "${modalities_env:experiments_root_path}");
  s.experiments_root_path = s.paths.at("experiments_root_path");

  Value iv = validate(Schema{Field::integer("training_log_interval_in_steps").at_least(1),
                             Field::integer("checkpointing_interval_in_steps").at_least(1),
                             Field::integer("evaluation_interval_in_steps").at_least(1)},
                      section(m, "intervals", doc), "settings.intervals", doc);
  s.log_interval = iv.as_map().at("training_log_interval_in_steps").as_int();
  s.checkpoint_interval = iv.as_map().at("checkpointing_interval_in_steps").as_int();
  s.eval_interval = iv.as_map().at("evaluation_interval_in_steps").as_int();

  Value ce = validate(Schema{Field::boolean("enforce_tokens_per_step_consistency").defaults(true),
                             Field::boolean("enforce_last_step_logged").defaults(true),
                             Field::boolean("enforce_last_step_evaluated").defaults(true),
                             Field::boolean("enforce_last_step_checkpointed").defaults(true),
                             Field::boolean("enforce_enough_tokens_in_dataset").defaults(true)},
                      t.at("consistency_enforcement"), "settings.consistency_enforcement", doc);
  const ValueMap& cm = ce.as_map();
  s.enforce_tokens_per_step = cm.at("enforce_tokens_per_step_consistency").as_bool();
  s.enforce_last_step_logged = cm.at("enforce_last_step_logged").as_bool();
  s.enforce_last_step_evaluated = cm.at("enforce_last_step_evaluated").as_bool();
  s.enforce_last_step_checkpointed = cm.at("enforce_last_step_checkpointed").as_bool();
  s.enforce_enough_tokens = cm.at("enforce_enough_tokens_in_dataset").as_bool();

  Value sp = validate(Schema{Field::integer("gradient_accumulation_steps").at_least(1),
                             Field::integer("local_train_micro_batch_size").at_least(1),
                             Field::integer("sequence_length").at_least(1),
                             Field::integer("dp_degree").at_least(1)},
                      section(m, "step_profile", doc), "settings.step_profile", doc);
  s.gradient_accumulation_steps = sp.as_map().at("gradient_accumulation_steps").as_int();
  s.micro_batch_size = sp.as_map().at("local_train_micro_batch_size").as_int();
  s.sequence_length = sp.as_map().at("sequence_length").as_int();
  s.dp_degree = sp.as_map().at("dp_degree").as_int();

  Value tt = validate(Schema{Field::integer("num_target_tokens").at_least(1),
                             Field::integer("num_target_steps").at_least(1)},
                      section(m, "training_target", doc), "settings.training_target", doc);
  s.num_target_tokens = tt.as_map().at("num_target_tokens").as_int();
  s.num_target_steps = tt.as_map().at("num_target_steps").as_int();

  Value tp = validate(Schema{Field::integer("global_num_seen_tokens").at_least(0),
                             Field::integer("num_seen_steps").at_least(0),
                             Field::integer("num_seen_samples").at_least(0),
                             Field::integer("last_step").at_least(-1)},
                      section(m, "training_progress", doc), "settings.training_progress", doc);
  s.seen_tokens = tp.as_map().at("global_num_seen_tokens").as_int();
  s.seen_steps = tp.as_map().at("num_seen_steps").as_int();
  s.seen_samples = tp.as_map().at("num_seen_samples").as_int();
  s.last_step = tp.as_map().at("last_step").as_int();

  const Value& ws = t.at("warmstart_checkpoint_paths");
  if (ws.is_map()) {
    const Value* folder = ws.as_map().find("checkpoint_folder_path");
    if (!folder || !folder->is_string())
      throw Error(doc.where("settings.warmstart_checkpoint_paths") +
                  "settings.warmstart_checkpoint_paths.checkpoint_folder_path: expected the path "
                  "of an instill checkpoint folder");
    s.warmstart_checkpoint_folder = folder->as_string();
  } else if (!ws.is_null()) {
    throw Error(doc.where("settings.warmstart_checkpoint_paths") +
                "settings.warmstart_checkpoint_paths: expected a mapping with "
                "checkpoint_folder_path");
  }
  if (s.seen_steps > s.num_target_steps)
    throw Error(doc.where("settings.training_progress") +
                "settings.training_progress.num_seen_steps (" + std::to_string(s.seen_steps) +
                ") is beyond num_target_steps (" + std::to_string(s.num_target_steps) + ")");
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
