// Hostile values in a training config: each is refused before training with its YAML key
// path named (not libtorch's allocator text, not "dataset sample N"), exit 1, and the failed
// run leaves no experiment folder behind.
#include <gtest/gtest.h>

#include "test_support.hpp"
#include "tutorial_data.hpp"

namespace instill::testing {
namespace {

TEST(HostileRunConfig, ValuesAreRefusedWithTheirKeyAndLeaveNothingBehind) {
  INSTILL_REQUIRE_GPT2(gpt2);
  (void)gpt2;
  TempDir tmp;
  const std::string env = train_env(prepare_tutorial_data(tmp));
  const std::string base = slurp(kTutorialConfigs / "train_config.yaml");
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"b_include_to_loss_token: ^", "b_include_to_loss_token: <|no such marker|>",
       "mask_tokens.b_include_to_loss_token: \"<|no such marker|>\" is not a token"},
      {"    sequence_length: 256", "    sequence_length: 1000000000000",
       "block size 1000000000000 is larger than the 80128 tokens in the dataset"},
      {"vocab_size: 50304", "vocab_size: 1000000000000", "model_raw.config.vocab_size"},
      // Within each bound, but about a terabyte of weights: libtorch's allocator fails.
      {"vocab_size: 50304", "vocab_size: 2000000000", "cannot build the model (vocab_size"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.to);
    std::string cfg = base;
    ASSERT_NE(cfg.find(c.from), std::string::npos);
    cfg.replace(cfg.find(c.from), c.from.size(), c.to);
    const fs::path path = tmp / ("case" + std::to_string(i) + ".yaml");
    spit(path, cfg);
    const fs::path root = tmp / ("runs" + std::to_string(i));
    auto r = instill_at_source(env, "run --config_file_path '" + path.string() +
                                        "' --experiments_root_path '" + root.string() +
                                        "' --experiment_id x --device cpu");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("bad_alloc"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(root / "x")) << "the failed run left its experiment folder";
  }
}

}  // namespace
}  // namespace instill::testing
