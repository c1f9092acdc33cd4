#pragma once
// Learning-rate schedules under the reference's names, each a closed form of the step, so a
// resumed run sets exactly the rate an uninterrupted one would. Construction performs
// step 0 (as torch's schedulers do); step() follows every optimizer step.
#include <memory>
#include <string>
#include <vector>

#include "config/component.hpp"
#include "train/optimizer.hpp"

namespace instill::train {

class LrScheduler : public config::Component {
 public:
  LrScheduler(std::shared_ptr<AdamW> optimizer, int64_t last_epoch);
  virtual ~LrScheduler() = default;
  // Must be called by the owner after construction (virtual dispatch).
  void start();
  void step();
  int64_t last_epoch() const { return last_epoch_; }
  // The rate of each group for the next optimizer step (torch's get_last_lr()).
  const std::vector<double>& last_lr() const { return last_lr_; }
  // Rate of group g at scheduler step s.
  virtual double lr_at(int64_t s, size_t group) const = 0;

 protected:
  std::shared_ptr<AdamW> optimizer_;
  std::vector<double> base_lrs_;

 private:
  void apply();
  int64_t last_epoch_;
  std::vector<double> last_lr_;
};

// torch OneCycleLR, two phases, cycle_momentum off (spec §8.9).
struct OneCycleOptions {
  double max_lr = 0;
  int64_t total_steps = 0;
  double pct_start = 0.3;
  bool cosine = true;  // anneal_strategy cos | linear
  double div_factor = 25, final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLr : public LrScheduler {
 public:
  OneCycleLr(std::shared_ptr<AdamW> optimizer, OneCycleOptions o, int64_t last_epoch);
  double lr_at(int64_t s, size_t group) const override;

 private:
  OneCycleOptions o_;
};

// The optimizer's rate unchanged (dummy_lr).
class ConstantLr : public LrScheduler {
 public:
  // torch ConstantLR: base * factor while s < total_iters, then base.
  ConstantLr(std::shared_ptr<AdamW> optimizer, double factor, int64_t total_iters,
             int64_t last_epoch);
  double lr_at(int64_t s, size_t group) const override;

 private:
  double factor_;
  int64_t total_iters_;
};

// Linear warm-up from 0 to the base rate over warmup_steps, then cosine to
// base * final_lr_factor at total_steps (held there afterwards).
class LinearWarmupCosineLr : public LrScheduler {
 public:
  LinearWarmupCosineLr(std::shared_ptr<AdamW> optimizer, int64_t warmup_steps, int64_t total_steps,
                       double final_lr_factor, int64_t last_epoch);
  double lr_at(int64_t s, size_t group) const override;

 private:
  int64_t warmup_, total_;
  double final_factor_;
};

}  // namespace instill::train
