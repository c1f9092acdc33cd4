#pragma once
// Counters of a run, including what earlier runs (before a resume) already did.
#include <cstdint>

namespace instill::train {

struct TrainingProgress {
  int64_t num_seen_steps_previous = 0;  // from the resumed checkpoint / settings
  int64_t num_seen_tokens_previous = 0;
  int64_t num_seen_samples_previous = 0;
  int64_t num_seen_steps_current = 0;  // this run
  int64_t num_seen_tokens_current = 0;
  int64_t num_seen_samples_current = 0;
  int64_t num_target_steps = 0;
  int64_t num_target_tokens = 0;

  int64_t steps() const { return num_seen_steps_previous + num_seen_steps_current; }
  int64_t tokens() const { return num_seen_tokens_previous + num_seen_tokens_current; }
  int64_t samples() const { return num_seen_samples_previous + num_seen_samples_current; }
};

}  // namespace instill::train
