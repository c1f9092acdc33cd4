#include "train/lr_scheduler.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/python_repr.hpp"

namespace instill::train {

LrScheduler::LrScheduler(std::shared_ptr<AdamW> optimizer, int64_t last_epoch)
    : optimizer_(std::move(optimizer)), last_epoch_(last_epoch) {
  if (last_epoch < -1) throw Error("scheduler: last_epoch must be >= -1");
  for (const auto& g : optimizer_->groups()) base_lrs_.push_back(g.lr);
}

void LrScheduler::start() { step(); }

void LrScheduler::step() {
  ++last_epoch_;
  apply();
}

void LrScheduler::apply() {
  last_lr_.clear();
  auto& groups = optimizer_->groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].lr = lr_at(last_epoch_, g);
    last_lr_.push_back(groups[g].lr);
  }
}

OneCycleLr::OneCycleLr(std::shared_ptr<AdamW> optimizer, OneCycleOptions o, int64_t last_epoch)
    : LrScheduler(std::move(optimizer), last_epoch), o_(o) {
  if (o_.total_steps <= 0) throw Error("onecycle_lr: total_steps must be > 0");
  if (o_.pct_start < 0 || o_.pct_start > 1) throw Error("onecycle_lr: pct_start must be in [0, 1]");
}

double OneCycleLr::lr_at(int64_t s, size_t) const {
  if (s > o_.total_steps)
    throw Error("onecycle_lr: tried to step " + std::to_string(s) +
                " times; the total number of steps is " + std::to_string(o_.total_steps));
  const double initial = o_.max_lr / o_.div_factor;
  const double min_lr = initial / o_.final_div_factor;
  struct Phase {
    double end, start_lr, end_lr;
  };
  std::vector<Phase> phases;
  const double total = static_cast<double>(o_.total_steps);
  if (o_.three_phase) {
    phases = {{o_.pct_start * total - 1, initial, o_.max_lr},
              {2 * o_.pct_start * total - 2, o_.max_lr, initial},
              {total - 1, initial, min_lr}};
  } else {
    phases = {{o_.pct_start * total - 1, initial, o_.max_lr}, {total - 1, o_.max_lr, min_lr}};
  }
  double start = 0;
  const double step = static_cast<double>(s);
  for (size_t i = 0; i < phases.size(); ++i) {
    const Phase& p = phases[i];
    if (step <= p.end || i + 1 == phases.size()) {
      if (p.end == start)
        throw Error("onecycle_lr: phase " + std::to_string(i + 1) +
                    " of the schedule is empty (pct_start " + python_float_repr(o_.pct_start) +
                    " x total_steps " + std::to_string(o_.total_steps) +
                    " puts its end on its start; torch divides by zero here); change pct_start");
      const double pct = (step - start) / (p.end - start);
      if (o_.cosine) return p.end_lr + (p.start_lr - p.end_lr) / 2.0 * (std::cos(M_PI * pct) + 1);
      return (p.end_lr - p.start_lr) * pct + p.start_lr;
    }
    start = p.end;
  }
  return min_lr;
}

ConstantLr::ConstantLr(std::shared_ptr<AdamW> optimizer, double factor, int64_t total_iters,
                       int64_t last_epoch)
    : LrScheduler(std::move(optimizer), last_epoch), factor_(factor), total_iters_(total_iters) {
  if (factor < 0 || factor > 1) throw Error("constant_lr: factor must be in [0, 1]");
}

double ConstantLr::lr_at(int64_t s, size_t g) const {
  return s < total_iters_ ? base_lrs_[g] * factor_ : base_lrs_[g];
}

LinearWarmupCosineLr::LinearWarmupCosineLr(std::shared_ptr<AdamW> optimizer, int64_t warmup_steps,
                                           int64_t total_steps, double final_lr_factor,
                                           int64_t last_epoch)
    : LrScheduler(std::move(optimizer), last_epoch),
      warmup_(warmup_steps),
      total_(total_steps),
      final_factor_(final_lr_factor) {
  if (warmup_ < 0 || total_ <= warmup_)
    throw Error("linear_warmup_cosine_annealing_lr: need 0 <= warmup_steps < total_steps");
}

double LinearWarmupCosineLr::lr_at(int64_t s, size_t g) const {
  const double base = base_lrs_[g];
  if (s < warmup_) return base * static_cast<double>(s + 1) / static_cast<double>(warmup_ + 1);
  const double pct =
      std::min(1.0, static_cast<double>(s - warmup_) / static_cast<double>(total_ - warmup_));
  const double floor = base * final_factor_;
  return floor + (base - floor) * 0.5 * (1 + std::cos(M_PI * pct));
}

}  // namespace instill::train
