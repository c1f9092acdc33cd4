#pragma once
// checkpoint_saving/default (spec §8.10) with instill's checkpoint format. A checkpoint is a
// folder "eid_<id>-seen_steps_<S>-seen_tokens_<T>-target_steps_<TS>-target_tokens_<TT>" with
//   model.safetensors      parameters by their reference names
//   optimizer.safetensors  AdamW state ("state.<param>.exp_avg|exp_avg_sq|step")
//   rng.safetensors        the torch generator states (dropout continues identically)
//   trainer_state.json     counters, scheduler step, format version
//   model.json, tokenizer/ the architecture and the training tokenizer
//   loss_markers.json      the loss-mask marker tokens (when training masked with markers)
//   tokenizer/chat_template.jinja  the data's chat template (chat-template preparation), and
//   trained_chat_format.json       a note that the model was tuned on that template's renders
// It is written under a temporary name and renamed when complete, so a killed run never
// leaves a folder that loads as valid but is incomplete; last_checkpoint_info.json is then
// replaced atomically.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "train/lr_scheduler.hpp"
#include "train/model/causal_lm.hpp"
#include "train/optimizer.hpp"
#include "train/training_progress.hpp"

namespace instill::train {

// app_state/raw: what a checkpoint holds.
class AppState : public config::Component {
 public:
  AppState(std::shared_ptr<CausalLM> model, std::shared_ptr<AdamW> optimizer,
           std::shared_ptr<LrScheduler> scheduler)
      : model(std::move(model)), optimizer(std::move(optimizer)), scheduler(std::move(scheduler)) {}
  std::shared_ptr<CausalLM> model;
  std::shared_ptr<AdamW> optimizer;
  std::shared_ptr<LrScheduler> scheduler;
  // The training tokenizer (special tokens registered), saved in checkpoints as tokenizer/.
  std::shared_ptr<const tokenizer::HfTokenizer> tokenizer;
  // The loss-mask marker tokens (begin, end) training used, saved as loss_markers.json so
  // that `instill evaluate` scores the same tokens.
  std::optional<std::pair<std::string, std::string>> loss_markers;
  // The chat template the training data was rendered with (chat-template preparation), saved
  // as tokenizer/chat_template.jinja so that chat and convert_to_hf use the trained format.
  std::optional<std::string> chat_template;
};

// Written beside model.json when training used data prepared in the tokenizer's chat format:
// chat then prompts with the training render (generate/chat_format.hpp).
inline constexpr const char* kTrainedChatFormatFile = "trained_chat_format.json";

// loss_markers.json of a checkpoint folder, when it has one.
std::optional<std::pair<std::string, std::string>> read_loss_markers(
    const std::filesystem::path& checkpoint);

// Who writes and reads what in a data-parallel run (train/distributed/). With world_size > 1
// the optimizer state is sharded: rank R writes optimizer.rank<R>-of-<W>.safetensors and
// rng.rank<R>-of-<W>.safetensors, rank 0 writes everything else. The defaults are one process.
struct CheckpointRanks {
  int rank = 0;
  int world_size = 1;
  std::function<void(const std::string& what)> barrier = [](const std::string&) {};
  // The parameters whose optimizer state this rank keeps (all when unset).
  std::function<bool(const std::string& param)> owns_parameter;
  bool sharded() const { return world_size > 1; }
};
std::string optimizer_shard_file(int rank, int world_size);
std::string rng_shard_file(int rank, int world_size);

// save_k_most_recent_checkpoints_strategy: k = -1 keep all, 0 never save, k > 0 keep k.
class CheckpointStrategy : public config::Component {
 public:
  explicit CheckpointStrategy(int64_t k) : k_(k) {}
  int64_t k() const { return k_; }

 private:
  int64_t k_;
};

class CheckpointExecution : public config::Component {
 public:
  CheckpointExecution(std::filesystem::path checkpoint_path, std::string experiment_id)
      : path_(std::move(checkpoint_path)), experiment_id_(std::move(experiment_id)) {}
  // Writes one checkpoint and returns its folder (all ranks call it together).
  std::filesystem::path save(AppState& state, const TrainingProgress& progress,
                             const CheckpointRanks& ranks = {}) const;
  const std::filesystem::path& checkpoint_path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string experiment_id_;
};

class CheckpointSaving : public config::Component {
 public:
  CheckpointSaving(std::shared_ptr<CheckpointStrategy> strategy,
                   std::shared_ptr<CheckpointExecution> execution)
      : strategy_(std::move(strategy)), execution_(std::move(execution)) {}
  // Saves (and deletes beyond k) if the strategy says so. Returns the folder or "".
  std::filesystem::path save(AppState& state, const TrainingProgress& progress,
                             const CheckpointRanks& ranks = {});
  const CheckpointExecution& execution() const { return *execution_; }

 private:
  std::shared_ptr<CheckpointStrategy> strategy_;
  std::shared_ptr<CheckpointExecution> execution_;
  std::vector<std::filesystem::path> saved_;
};

// What a checkpoint folder says about the run that wrote it.
struct CheckpointInfo {
  TrainingProgress progress;  // previous = totals at the time of saving
  int64_t scheduler_last_epoch = -1;
  std::string experiment_id;
  int optimizer_shards = 1;  // > 1: written by that many ranks with sharded optimizer state
};

// Validates the folder (all files present, format known) and reads trainer_state.json.
CheckpointInfo read_checkpoint_info(const std::filesystem::path& folder);
// Loads model, optimizer and RNG state into `state` (model already on its device). A sharded
// checkpoint resumes only with the world size that wrote it; a single one on any world size
// (each rank then keeps the optimizer state of the parameters it owns).
void load_checkpoint(const std::filesystem::path& folder, AppState& state,
                     const CheckpointRanks& ranks = {});

}  // namespace instill::train
