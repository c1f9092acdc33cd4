#pragma once
// `instill run`: load a Modalities-style training config, build its components, set up the
// experiment folder, optionally resume from a checkpoint, and train (spec §8.12 Main.run).
#include <optional>
#include <string>

#include "train/trainer.hpp"

namespace instill::train {

struct RunOptions {
  std::string config_file_path;
  std::string experiments_root_path;
  std::string experiment_id;  // empty: "<local time>_<sha256(config path)[:16]>"
  std::string device;       // empty: from device_mesh.config.device_type (cuda -> cuda:LOCAL_RANK)
  std::string resume_from;  // checkpoint folder
  int threads = 0;          // 0: libtorch's default
};

TrainResult run_training(const RunOptions& options);

// The reference's experiment id for a config path given as `path` (spec §8.12).
std::string default_experiment_id(const std::string& config_file_path);

}  // namespace instill::train
