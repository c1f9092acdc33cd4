#pragma once
// A one-line progress display on stderr for long runs: done/total, rate, a second rate
// (e.g. tokens/s) and ETA. Silent when stderr is not a terminal or when disabled, so logs
// and pipes stay clean. Updates are throttled; callers may call update() per item.
#include <chrono>
#include <cstdint>
#include <string>

namespace instill {

class Progress {
 public:
  Progress(std::string label, uint64_t total, std::string unit, bool enabled = true);
  ~Progress();
  void update(uint64_t done, uint64_t secondary = 0, const char* secondary_unit = nullptr);
  void finish();
  bool active() const { return active_; }

 private:
  void draw(bool final);
  std::string label_, unit_;
  uint64_t total_, done_ = 0, secondary_ = 0;
  const char* secondary_unit_ = nullptr;
  bool active_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace instill
