#pragma once
// Where a run reports: a progress display (progress_subscriber/rich, dummy) and results
// (results_subscriber/wandb, dummy). Every results subscriber appends one JSON object per
// logged event to <experiment folder>/metrics.jsonl ({"step", "tag", metrics...}); the wandb
// variant cannot reach wandb from here and says so once.
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "core/value.hpp"

namespace instill::train {

class ProgressSubscriber : public config::Component {
 public:
  explicit ProgressSubscriber(bool enabled) : enabled_(enabled) {}
  // A progress line for `tag` (drawn on a terminal only).
  void update(const std::string& tag, int64_t done, int64_t total);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
};

class ResultsSubscriber : public config::Component {
 public:
  ResultsSubscriber(std::string kind, bool enabled) : kind_(std::move(kind)), enabled_(enabled) {}
  // Opens (appends to) <folder>/metrics.jsonl.
  void open(const std::string& experiment_folder);
  // One event: {"step": step, "tag": tag, ...metrics}.
  void publish(int64_t step, const std::string& tag, const ValueMap& metrics);
  const std::string& path() const { return path_; }

 private:
  std::string kind_;
  bool enabled_;
  std::string path_;
  std::ofstream out_;
  std::mutex mu_;
};

// mfu_calculator/gpt2: flops/token = 6 P + 12 n_layer L E; MFU = tokens/s * flops / peak.
class MfuCalculator : public config::Component {
 public:
  MfuCalculator(int64_t n_layer, int64_t sequence_length, int64_t n_embd, int64_t world_size)
      : n_layer_(n_layer), seq_(sequence_length), n_embd_(n_embd), world_size_(world_size) {}
  void set_num_parameters(int64_t p) { params_ = p; }
  // Peak FLOP/s of one device (0 = unknown -> MFU -1).
  void set_peak_flops(double peak) { peak_ = peak; }
  double flops_per_token() const {
    return 6.0 * static_cast<double>(params_) +
           12.0 * static_cast<double>(n_layer_ * seq_ * n_embd_);
  }
  double mfu(double samples_per_second) const;

 private:
  int64_t n_layer_, seq_, n_embd_, world_size_;
  int64_t params_ = 0;
  double peak_ = 0;
};

}  // namespace instill::train
