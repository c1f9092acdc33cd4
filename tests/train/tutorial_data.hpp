#pragma once
// The tutorial's data for end-to-end training tests: the demo conversations prepared with the
// tutorial's configs (GPT-2 tokenizer), and `instill` run from the source tree, whose paths the
// tutorial configs use.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "test_support.hpp"

namespace instill::testing {

inline const fs::path kTutorialConfigs = source_dir() / "examples/instruction_tuning/configs";

// Runs `instill ARGS` in the source tree, with GPT-2's tokenizer as the tutorial's.
inline CommandResult instill_at_source(const std::string& env, const std::string& args) {
  return run_command("cd '" + source_dir().string() + "' && INSTILL_DEMO_TOKENIZER='" +
                     gpt2_tokenizer_dir().string() + "' " + env + " '" + instill_binary() + "' " +
                     args);
}

// Prepares the tutorial's data into `tmp`/prepared: {train pbin, test pbin}.
inline std::pair<fs::path, fs::path> prepare_tutorial_data(const TempDir& tmp) {
  std::string cfg = slurp(kTutorialConfigs / "apply_chat_template_config.yaml");
  const std::string out = "out_dir: out/demo/prepared_data";
  cfg.replace(cfg.find(out), out.size(), "out_dir: " + (tmp / "prepared").string());
  tmp.write("apply.yaml", cfg);
  fs::copy_file(kTutorialConfigs / "packed_chat_dataset_config.yaml",
                tmp / "packed_chat_dataset_config.yaml");
  auto r =
      instill_at_source("", "data prepare_instruction_tuning_data --quiet --config_file_path '" +
                                (tmp / "apply.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  fs::path train, test;
  for (const auto& e : fs::recursive_directory_iterator(tmp / "prepared")) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".pbin") continue;
    if (name.find("_train.") != std::string::npos) train = e.path();
    if (name.find("_test.") != std::string::npos) test = e.path();
  }
  return {train, test};
}

// The environment that points the tutorial's training configs at prepared files.
inline std::string train_env(const std::pair<fs::path, fs::path>& pbins) {
  return "INSTILL_TRAIN_PBIN='" + pbins.first.string() + "' INSTILL_EVAL_PBIN='" +
         pbins.second.string() + "'";
}

}  // namespace instill::testing
