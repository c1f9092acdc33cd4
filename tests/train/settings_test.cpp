#include "train/settings.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace instill::train {
namespace {

Settings reference_it_settings() {
  // The IT test config on 2 ranks (spec §8.3): 81 920 tokens, 10 steps, 8192 tokens/step.
  Settings s;
  s.gradient_accumulation_steps = 2;
  s.micro_batch_size = 1;
  s.sequence_length = 2048;
  s.dp_degree = 2;
  s.num_target_tokens = 81920;
  s.num_target_steps = 10;
  s.log_interval = 1;
  s.checkpoint_interval = s.eval_interval = 10;
  return s;
}

TEST(Settings, TheReferenceItNumbersAreConsistent) {
  EXPECT_NO_THROW(check_step_consistency(reference_it_settings()));
}

TEST(Settings, TokensPerStepMismatchIsAnErrorWhenEnforced) {
  Settings s = reference_it_settings();
  s.dp_degree = 1;
  try {
    check_step_consistency(s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("Required number of tokens per step is (8192.0) which does "
                                   "not match the number of tokens per step (4096)"),
        std::string::npos)
        << e.what();
  }
  s.enforce_tokens_per_step = false;
  EXPECT_NO_THROW(check_step_consistency(s));
}

TEST(Settings, LastStepChecksUseTheTotalStepCount) {
  Settings s = reference_it_settings();
  s.eval_interval = 3;
  EXPECT_THROW(check_step_consistency(s), Error);
  s.enforce_last_step_evaluated = false;
  EXPECT_NO_THROW(check_step_consistency(s));
  // A run resumed at step 4 of 10 still logs step 10 with interval 5.
  s = reference_it_settings();
  s.log_interval = 5;
  s.seen_steps = 4;
  s.seen_tokens = 4 * 8192;
  EXPECT_NO_THROW(check_step_consistency(s));
}

TEST(Settings, NotEnoughTokensInTheDataset) {
  Settings s = reference_it_settings();
  EXPECT_NO_THROW(check_enough_tokens(s, 40));
  EXPECT_THROW(check_enough_tokens(s, 39), Error);
  s.enforce_enough_tokens = false;
  EXPECT_NO_THROW(check_enough_tokens(s, 39));
}

}  // namespace
}  // namespace instill::train
