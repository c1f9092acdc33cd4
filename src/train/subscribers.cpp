#include "train/subscribers.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "core/python_json.hpp"

namespace instill::train {

void ProgressSubscriber::update(const std::string& tag, int64_t done, int64_t total) {
  if (!enabled_ || !::isatty(2)) return;
  const int width = 30;
  const int filled = total > 0 ? static_cast<int>(width * done / total) : 0;
  std::cerr << "\r" << tag << " [" << std::string(static_cast<size_t>(filled), '#')
            << std::string(static_cast<size_t>(width - filled), '.') << "] " << done << "/" << total
            << std::flush;
  drawn_ = true;
}

void ProgressSubscriber::finish() {
  if (drawn_) std::cerr << "\n";
  drawn_ = false;
}

void ResultsSubscriber::open(const std::string& experiment_folder) {
  if (!enabled_) return;
  std::filesystem::create_directories(experiment_folder);
  path_ = (std::filesystem::path(experiment_folder) / "metrics.jsonl").string();
  out_.open(path_, std::ios::app);
  if (!out_) throw Error(path_ + ": cannot open for writing");
  if (kind_ == "wandb")
    std::cerr << "note: wandb is not reachable from instill; results are written to " << path_
              << "\n";
}

void ResultsSubscriber::publish(int64_t step, const std::string& tag, const ValueMap& metrics) {
  if (!enabled_ || !out_.is_open()) return;
  ValueMap row;
  row.set("step", step);
  row.set("tag", tag);
  for (const auto& [k, v] : metrics) row.set(k, v);
  std::lock_guard<std::mutex> lock(mu_);
  out_ << json_dumps(Value(std::move(row))) << "\n";
  out_.flush();
}

double MfuCalculator::mfu(double samples_per_second) const {
  if (peak_ <= 0) return -1;
  return samples_per_second * static_cast<double>(seq_) * flops_per_token() /
         (peak_ * static_cast<double>(world_size_));
}

}  // namespace instill::train
