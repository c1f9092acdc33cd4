#include "core/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace instill {

Progress::Progress(std::string label, uint64_t total, std::string unit, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      active_(enabled && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (active_) finish();
}

void Progress::update(uint64_t done, uint64_t secondary, const char* secondary_unit) {
  done_ = done;
  secondary_ = secondary;
  secondary_unit_ = secondary_unit;
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish() {
  if (!active_) return;
  draw(true);
  std::fputc('\n', stderr);
  active_ = false;
}

void Progress::draw(bool final) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = s > 0 ? static_cast<double>(done_) / s : 0.0;
  char line[256];
  int n = std::snprintf(line, sizeof line, "\r%s: %llu", label_.c_str(),
                        static_cast<unsigned long long>(done_));
  if (total_)
    n += std::snprintf(line + n, sizeof line - n, "/%llu (%3.0f%%)",
                       static_cast<unsigned long long>(total_),
                       100.0 * static_cast<double>(done_) / static_cast<double>(total_));
  n += std::snprintf(line + n, sizeof line - n, " %s, %.0f %s/s", unit_.c_str(), rate,
                     unit_.c_str());
  if (secondary_unit_ && s > 0)
    n += std::snprintf(line + n, sizeof line - n, ", %.0f %s/s",
                       static_cast<double>(secondary_) / s, secondary_unit_);
  if (!final && total_ && rate > 0 && done_ < total_)
    n += std::snprintf(line + n, sizeof line - n, ", ETA %.0f s",
                       static_cast<double>(total_ - done_) / rate);
  std::fprintf(stderr, "%s\033[K", line);
  std::fflush(stderr);
}

}  // namespace instill
