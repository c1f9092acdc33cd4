#pragma once
// The training loop of spec §8.12: micro-batches with gradient accumulation, clipping,
// optimizer and scheduler steps, logging / evaluation / checkpoint intervals, and the
// evaluator. Device-agnostic: batches move to `device`, the model already lives there.
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "train/checkpointing.hpp"
#include "train/data_loader.hpp"
#include "train/distributed/data_parallel.hpp"
#include "train/gradient_clipper.hpp"
#include "train/loss.hpp"
#include "train/settings.hpp"
#include "train/subscribers.hpp"

namespace instill::train {

struct TrainerParts {
  Settings settings;
  torch::Device device = torch::kCPU;
  std::shared_ptr<AppState> app_state;
  std::shared_ptr<ClmCrossEntropyLoss> loss;
  std::shared_ptr<DataLoader> train_loader;
  std::vector<std::shared_ptr<DataLoader>> eval_loaders;
  std::shared_ptr<GradientClipper> clipper;
  std::shared_ptr<CheckpointSaving> checkpointing;
  std::shared_ptr<ProgressSubscriber> progress;
  std::shared_ptr<ResultsSubscriber> results;
  std::shared_ptr<MfuCalculator> mfu;  // may be null
  // Set when several processes train together: gradients are averaged, the optimizer state
  // is sharded, losses are summed over ranks for logging. Null for one process.
  std::shared_ptr<distributed::DataParallel> data_parallel;
};

struct TrainResult {
  int64_t steps_done = 0;
  std::vector<double> step_losses;  // mean micro-batch loss of each optimizer step (all ranks)
  double last_eval_loss = 0;
};

class Trainer {
 public:
  explicit Trainer(TrainerParts parts);
  TrainResult run();
  // Mean loss over one eval loader (batches with targets only).
  double evaluate(const DataLoader& loader, int64_t step);

 private:
  struct LoopState;  // trainer.cpp
  LoopState start_loop() const;
  // step_token_mean (ClmLossOptions): the weight of each micro-batch's mean loss in the
  // optimizer step, from the micro-batches' trainable token counts.
  bool by_step_tokens() const;
  std::vector<double> step_token_weights(const std::vector<int64_t>& tokens);
  int64_t trainable_tokens(const Batch& batch) const;
  void accumulate_micro_batch(const Batch& batch, int64_t tokens, double weight, LoopState& st);
  void optimizer_step(LoopState& st, int64_t steps_done);
  ValueMap training_metrics(LoopState& st);
  void log_training(LoopState& st, int64_t total_steps);
  void save_checkpoint(const TrainingProgress& progress);
  torch::Tensor micro_batch_loss(const Batch& batch);
  // Sums over the data-parallel ranks (the values themselves for one process).
  std::vector<double> sum_over_ranks(std::vector<double> values, const std::string& what);
  TrainerParts p_;
};

}  // namespace instill::train
