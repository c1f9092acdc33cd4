#include "train/trainer.hpp"

#include <ATen/autocast_mode.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/error.hpp"

namespace instill::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double peak_memory_mb(const torch::Device& device) {
  (void)device;
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB -> MiB (process peak RSS)
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return os.str();
}

std::string format_number(const Value& v) {
  std::ostringstream os;
  if (v.is_int()) {
    os << v.as_int();
  } else {
    const double x = v.to_double();
    if (std::fabs(x) >= 1e-3 || x == 0)
      os << std::fixed << std::setprecision(4) << x;
    else
      os << std::scientific << std::setprecision(3) << x;
  }
  return os.str();
}

void print_line(int64_t step, const std::string& tag, const ValueMap& m) {
  std::cout << now_iso() << " | " << tag << " | step: " << step << " | ";
  for (const auto& [k, v] : m) std::cout << k << ": " << format_number(v) << " | ";
  std::cout << std::endl;
}

}  // namespace

Trainer::Trainer(TrainerParts parts) : p_(std::move(parts)) {}

torch::Tensor Trainer::micro_batch_loss(const Batch& batch) {
  CausalLM& model = *p_.app_state->model;
  const Settings& s = p_.settings;
  torch::Tensor ids = batch.sample(s.sample_key).to(p_.device, torch::kInt64);
  torch::Tensor targets = batch.target(s.target_key).to(p_.device, torch::kInt64);
  torch::Tensor hidden;
  if (model.compute_dtype != torch::kFloat32) {
    at::autocast::set_autocast_cpu_dtype(model.compute_dtype);
    at::autocast::set_autocast_gpu_dtype(model.compute_dtype);
    p_.device.is_cuda() ? at::autocast::set_enabled(true) : at::autocast::set_cpu_enabled(true);
    hidden = model.hidden_states(ids, batch.layout);
    p_.device.is_cuda() ? at::autocast::set_enabled(false) : at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
  } else {
    hidden = model.hidden_states(ids, batch.layout);
  }
  const int64_t vocab = model.vocab_size();
  if (targets.numel() > 0) {
    const int64_t hi = targets.max().item<int64_t>();
    if (hi >= vocab)
      throw Error("target token id " + std::to_string(hi) + " is outside the model's vocabulary (" +
                  std::to_string(vocab) + "); the tokenizer and model.vocab_size disagree");
  }
  return (*p_.loss)(hidden, model.lm_head_weight(), targets);
}

std::vector<double> Trainer::sum_over_ranks(std::vector<double> values, const std::string& what) {
  if (!p_.data_parallel) return values;
  return p_.data_parallel->group().sum(values, what);
}

double Trainer::evaluate(const DataLoader& loader, int64_t step) {
  CausalLM& model = *p_.app_state->model;
  model.module().eval();
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  double sum = 0, token_sum = 0;
  int64_t counted = 0, samples = 0, empty = 0, done = 0, tokens = 0;
  auto it = loader.iterate();
  Batch b;
  while (it->next(b)) {
    const double l = micro_batch_loss(b).item<double>();
    const int64_t n = trainable_tokens(b);
    token_sum += l * static_cast<double>(n);
    tokens += n;
    samples += b.size;
    if (b.rows_without_targets == b.size) {
      ++empty;
    } else {
      sum += l;
      ++counted;
    }
    p_.progress->update(loader.tag(), ++done, static_cast<int64_t>(loader.num_batches()));
  }
  p_.progress->finish();
  model.module().train();
  const auto totals =
      sum_over_ranks({sum, static_cast<double>(counted), static_cast<double>(samples),
                      static_cast<double>(empty), token_sum, static_cast<double>(tokens)},
                     "evaluation loss all-reduce");
  sum = totals[0];
  counted = static_cast<int64_t>(totals[1]);
  samples = static_cast<int64_t>(totals[2]);
  empty = static_cast<int64_t>(totals[3]);
  const double loss = counted > 0 ? sum / static_cast<double>(counted) : std::nan("");
  ValueMap m;
  m.set("CLMCrossEntropyLoss", loss);
  // Every trainable token weighs the same, however the rows are packed or padded.
  m.set("CLMCrossEntropyLoss token mean", totals[5] > 0 ? totals[4] / totals[5] : std::nan(""));
  m.set("trainable tokens", static_cast<int64_t>(totals[5]));
  m.set("evaluation_num_samples_per_second", static_cast<double>(samples) / seconds_since(start));
  if (empty > 0) m.set("batches without targets", empty);
  if (p_.settings.global_rank == 0) {
    print_line(step, loader.tag(), m);
    p_.results->publish(step, loader.tag(), m);
  }
  return loss;
}

// The training loop's running state: progress, the sums since the last log line and those
// of the optimizer step in progress.
struct Trainer::LoopState {
  TrainingProgress progress;
  std::vector<torch::Tensor> params;  // the trainable ones, for clipping
  std::string tag;                    // the train loader's
  TrainResult result;
  int64_t run_samples = 0;  // this rank's, since the run started
  // This optimizer step: the weighted sum of micro-batch losses and the weights' sum.
  double step_loss_sum = 0, step_weight = 0;
  // Since the last log line (losses weighted as the step weighs them).
  double sum_loss = 0, last_loss = 0, loss_weight = 0;
  int64_t local_samples = 0, rows_without_targets = 0;
  int64_t trainable_tokens = 0, padding_positions = 0, positions = 0;
  std::vector<double> grad_norms;
  int64_t payload_at_last_log = 0, steps_at_last_log = 0;
  Clock::time_point last_log;
};

Trainer::LoopState Trainer::start_loop() const {
  const Settings& s = p_.settings;
  LoopState st;
  st.progress.num_seen_steps_previous = s.seen_steps;
  st.progress.num_seen_tokens_previous = s.seen_tokens;
  st.progress.num_seen_samples_previous = s.seen_samples;
  st.progress.num_target_steps = s.num_target_steps;
  st.progress.num_target_tokens = s.num_target_tokens;
  for (auto& [_, prm] : p_.app_state->model->named_parameters())
    if (prm.requires_grad()) st.params.push_back(prm);
  st.tag = p_.train_loader->tag();
  return st;
}

int64_t Trainer::trainable_tokens(const Batch& batch) const {
  return (batch.target(p_.settings.target_key) != p_.loss->options().ignore_index)
      .sum()
      .item<int64_t>();
}

bool Trainer::by_step_tokens() const {
  return p_.loss->options().normalization == ClmLossOptions::Normalization::kStepTokenMean;
}

std::vector<double> Trainer::step_token_weights(const std::vector<int64_t>& tokens) {
  // mean_i * count_i / total summed over the step is the mean over all its tokens; the
  // data-parallel average divides by the world size, which the factor undoes.
  double local = 0;
  for (int64_t n : tokens) local += static_cast<double>(n);
  const double total = sum_over_ranks({local}, "trainable token count all-reduce")[0];
  const auto world = static_cast<double>(p_.data_parallel ? p_.settings.world_size : 1);
  std::vector<double> weights;
  for (int64_t n : tokens)
    weights.push_back(total > 0 ? static_cast<double>(n) * world / total : 0.0);
  return weights;
}

// Forward and backward of one micro-batch with `tokens` trainable tokens; its gradients join
// the step's with `weight` (step_token_mean), or divided by the accumulation steps (the
// reference; kept as a division, bit for bit).
void Trainer::accumulate_micro_batch(const Batch& batch, int64_t tokens, double weight,
                                     LoopState& st) {
  const bool by_tokens = by_step_tokens();
  torch::Tensor loss = micro_batch_loss(batch);
  (by_tokens ? loss * weight : loss / static_cast<double>(p_.settings.gradient_accumulation_steps))
      .backward();
  const double l = loss.item<double>();
  st.local_samples += batch.size;
  st.run_samples += batch.size;
  st.rows_without_targets += batch.rows_without_targets;
  st.trainable_tokens += tokens;
  st.padding_positions += batch.padding_positions;
  st.positions += batch.sample(p_.settings.sample_key).numel();
  // Logged losses weigh micro-batches as the step does: equally, or by trainable tokens.
  const double w = by_tokens ? static_cast<double>(tokens) : (tokens > 0 ? 1.0 : 0.0);
  if (w > 0) {
    st.sum_loss += l * w;
    st.loss_weight += w;
    st.last_loss = l;
    st.step_loss_sum += l * w;
    st.step_weight += w;
  }
}

// An optimizer step. Data-parallel: clip the averaged gradients (the same on every rank),
// update this rank's shard of the parameters, then share them.
void Trainer::optimizer_step(LoopState& st, int64_t steps_done) {
  const Settings& s = p_.settings;
  AppState& app = *p_.app_state;
  if (p_.data_parallel) p_.data_parallel->average_gradients();
  st.grad_norms.push_back(p_.clipper->clip(st.params));
  if (p_.data_parallel) p_.data_parallel->drop_foreign_gradients();
  app.optimizer->step();
  if (p_.data_parallel) p_.data_parallel->share_updated_parameters();
  if (app.scheduler) app.scheduler->step();
  app.optimizer->zero_grad();
  st.progress.num_seen_steps_current = steps_done;
  st.progress.num_seen_tokens_current = s.tokens_per_step() * steps_done;
  st.progress.num_seen_samples_current = st.run_samples * s.dp_degree;
  const auto step_totals =
      sum_over_ranks({st.step_loss_sum, st.step_weight}, "step loss all-reduce");
  st.result.step_losses.push_back(step_totals[1] > 0 ? step_totals[0] / step_totals[1] : 0.0);
  st.step_loss_sum = 0;
  st.step_weight = 0;
  st.result.steps_done = steps_done;
}

// The metrics of the steps since the last log line; resets their sums.
ValueMap Trainer::training_metrics(LoopState& st) {
  const Settings& s = p_.settings;
  const AppState& app = *p_.app_state;
  const std::string& tag = st.tag;
  // Spec §8.12: losses summed over ranks; "loss last" is the mean of the ranks' last.
  const auto totals = sum_over_ranks(
      {st.sum_loss, st.last_loss, st.loss_weight, static_cast<double>(st.rows_without_targets),
       static_cast<double>(st.trainable_tokens), static_cast<double>(st.padding_positions),
       static_cast<double>(st.positions)},
      "training loss all-reduce");
  const double sum_loss = totals[0];
  const double last_loss = totals[1] / static_cast<double>(s.world_size);
  const double loss_weight = totals[2];
  const auto rows_without_targets = static_cast<int64_t>(totals[3]);
  const double elapsed = seconds_since(st.last_log);
  st.last_log = Clock::now();
  const double samples_per_s = static_cast<double>(st.local_samples * s.dp_degree) / elapsed;
  ValueMap m;
  m.set(tag + " loss avg", loss_weight > 0 ? sum_loss / loss_weight : std::nan(""));
  m.set(tag + " loss last", last_loss);
  m.set("consumed tokens", st.progress.tokens());
  double gsum = 0;
  for (double g : st.grad_norms) gsum += g;
  m.set("grad norm avg",
        st.grad_norms.empty() ? 0.0 : gsum / static_cast<double>(st.grad_norms.size()));
  m.set("grad norm last", st.grad_norms.empty() ? 0.0 : st.grad_norms.back());
  m.set(tag + " samples/s", samples_per_s);
  m.set(tag + " tokens/s", samples_per_s * static_cast<double>(s.sequence_length));
  // Tokens that carry loss, and the share of computed positions holding no document token:
  // what packing changes.
  m.set(tag + " trainable tokens/s", totals[4] / elapsed);
  m.set(tag + " padding share", totals[6] > 0 ? totals[5] / totals[6] : 0.0);
  m.set(tag + " mfu (16-bit)", p_.mfu ? p_.mfu->mfu(samples_per_s) : -1.0);
  double lr = 0;
  const auto& lrs = app.scheduler ? app.scheduler->last_lr() : std::vector<double>{};
  for (double x : lrs) lr += x;
  m.set("lr mean",
        lrs.empty() ? app.optimizer->groups().front().lr : lr / static_cast<double>(lrs.size()));
  m.set("peak memory rank 0 (MB)", peak_memory_mb(p_.device));
  if (rows_without_targets > 0) m.set("rows without targets", rows_without_targets);
  if (p_.data_parallel) {
    // What this rank handed to collectives per optimizer step since the last log.
    const int64_t payload = p_.data_parallel->group().payload_bytes();
    const int64_t steps_done = st.result.steps_done;
    m.set("data parallel payload bytes/step",
          (payload - st.payload_at_last_log) /
              std::max<int64_t>(steps_done - st.steps_at_last_log, 1));
    st.payload_at_last_log = payload;
    st.steps_at_last_log = steps_done;
  }
  st.sum_loss = st.last_loss = st.loss_weight = 0;
  st.local_samples = st.rows_without_targets = 0;
  st.trainable_tokens = st.padding_positions = st.positions = 0;
  st.grad_norms.clear();
  return m;
}

void Trainer::log_training(LoopState& st, int64_t total_steps) {
  const ValueMap m = training_metrics(st);
  if (p_.settings.global_rank != 0) return;
  p_.progress->finish();
  print_line(total_steps, st.tag, m);
  p_.results->publish(total_steps, st.tag, m);
}

void Trainer::save_checkpoint(const TrainingProgress& progress) {
  auto dir = p_.checkpointing->save(
      *p_.app_state, progress,
      p_.data_parallel ? p_.data_parallel->checkpoint_ranks() : CheckpointRanks{});
  if (!dir.empty() && p_.settings.global_rank == 0)
    std::cout << "checkpoint: " << dir.string() << std::endl;
}

TrainResult Trainer::run() {
  const Settings& s = p_.settings;
  p_.app_state->model->module().train();
  LoopState st = start_loop();
  const auto gas = static_cast<size_t>(s.gradient_accumulation_steps);
  const int64_t num_steps = s.num_target_steps - s.seen_steps;
  if (p_.train_loader->num_batches() < static_cast<size_t>(num_steps) * gas)
    std::cerr << "warning: the train loader has " << p_.train_loader->num_batches()
              << " micro-batches, fewer than the " << static_cast<size_t>(num_steps) * gas
              << " the remaining steps need; training ends early (no new epoch)\n";
  st.payload_at_last_log = p_.data_parallel ? p_.data_parallel->group().payload_bytes() : 0;
  st.last_log = Clock::now();
  auto it = p_.train_loader->iterate();
  for (int64_t step = 1; step <= num_steps; ++step) {
    // The step's micro-batches first: token-mean weights need all their counts.
    std::vector<Batch> micro(gas);
    size_t got = 0;
    while (got < gas && it->next(micro[got])) ++got;
    if (got < gas) break;
    std::vector<int64_t> tokens;
    for (const Batch& b : micro) tokens.push_back(trainable_tokens(b));
    const std::vector<double> weights =
        by_step_tokens() ? step_token_weights(tokens) : std::vector<double>(gas, 0.0);
    for (size_t i = 0; i < gas; ++i) {
      accumulate_micro_batch(micro[i], tokens[i], weights[i], st);
      p_.progress->update(st.tag, st.progress.steps(), s.num_target_steps);
    }
    optimizer_step(st, step);
    const int64_t total_steps = st.progress.steps();
    if (total_steps % s.log_interval == 0) log_training(st, total_steps);
    if (total_steps % s.eval_interval == 0 && total_steps > 0)
      for (const auto& loader : p_.eval_loaders)
        st.result.last_eval_loss = evaluate(*loader, total_steps);
    if (total_steps % s.checkpoint_interval == 0 && total_steps > 0) save_checkpoint(st.progress);
  }
  p_.progress->finish();
  return st.result;
}

}  // namespace instill::train
