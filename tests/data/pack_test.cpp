#include <gtest/gtest.h>

#include <chrono>

#include "config/app_config.hpp"
#include "config/yaml_loader.hpp"
#include "core/error.hpp"
#include "data/components.hpp"
#include "data/jq_query.hpp"
#include "data/pack_encoded_data.hpp"
#include "data/pbin.hpp"
#include "data/raw_index.hpp"
#include "test_support.hpp"

namespace instill::data {
namespace {

namespace fs = std::filesystem;
using instill::testing::error_of;
using instill::testing::slurp;
using instill::testing::spit;
using instill::testing::TempDir;

// Runs the reference's generic packing config from a folder laid out like the reference
// repository (its paths are relative to the working directory).
TEST(PackEncodedData, ReproducesReferencePbinFiles) {
  INSTILL_REQUIRE_FIXTURE(data, "data");
  INSTILL_REQUIRE_FIXTURE(config, "config_files/data_preparation/packed_dataset_config.yaml");
  for (const std::string name : {"lorem_ipsum", "lorem_ipsum_long"}) {
    TempDir tmp;
    fs::create_directories(tmp / "data");
    for (const std::string& f : {name + ".jsonl", name + ".idx", std::string("tokenizer")})
      fs::create_symlink(data / f, tmp / "data" / f);
    std::string yaml = slurp(config);
    for (size_t i = yaml.find("lorem_ipsum."); i != std::string::npos;
         i = yaml.find("lorem_ipsum.", i + name.size()))
      yaml.replace(i, 12, name + ".");
    spit(tmp / "config.yaml", yaml);
    const fs::path cwd = fs::current_path();
    fs::current_path(tmp.path());
    try {
      auto stats =
          pack_encoded_data(config::load_app_config("config.yaml"), FileExistencePolicy::kError);
      EXPECT_TRUE(stats.written);
      EXPECT_EQ(stats.token_size, 2);
    } catch (...) {
      fs::current_path(cwd);
      throw;
    }
    fs::current_path(cwd);
    EXPECT_EQ(slurp(tmp / "data" / (name + ".pbin")), slurp(data / (name + ".pbin"))) << name;
  }
}

TEST(PackEncodedData, BadDocumentFailsNamingItsLineAndWritesNothing) {
  INSTILL_REQUIRE_FIXTURE(tok, "data/tokenizer/hf_gpt2");
  TempDir tmp;
  spit(tmp / "in.jsonl",
       "{\"text\": \"fine\"}\n{\"text\": \"also fine\"}\n{\"txt\": \"no text key\"}\n");
  spit(
      tmp / "c.yaml",
      "settings:\n  src_path: " + (tmp / "in.jsonl").string() +
          "\n  dst_path: " + (tmp / "out.pbin").string() +
          "\n  index_path: null\n  jq_pattern: .text\n  num_cpus: 2\n"
          "  eod_token: <|endoftext|>\n  processing_batch_size: 1\n  raw_samples_queue_size: 1\n"
          "  processed_samples_queue_size: 1\ntokenizer:\n  component_key: tokenizer\n"
          "  variant_key: pretrained_hf_tokenizer\n  config:\n    pretrained_model_name_or_path: " +
          tok.string() + "\n");
  auto doc = config::load_app_config(tmp / "c.yaml");
  EXPECT_THROW(pack_encoded_data(doc, FileExistencePolicy::kError), Error) << "no index yet";
  create_raw_index(tmp / "in.jsonl", tmp / "in.idx", FileExistencePolicy::kError);
  try {
    pack_encoded_data(doc, FileExistencePolicy::kError);
    FAIL() << "a document without the jq key was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in.jsonl: line 3: jq was not able to find anything"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp / "out.pbin"));
}

// A program that never ends fails the record within the time budget, and the same JqQuery
// (whose libjq process was killed) keeps working on the next record.
TEST(JqQuery, RunawayProgramsHitTheBudget) {
  JqQuery q("if .a == \"loop\" then (def f: f; f) else .a end");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    q.first_string(R"({"a": "loop"})");
    FAIL() << "an endless program returned";
  } catch (const JqBudgetError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeded the per-record time limit (2 s)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 6);
  EXPECT_EQ(q.first_string(R"({"a": "fine"})"), "fine");
  std::vector<std::string_view> lines = {R"({"a": "x"})", R"({"b": 1})", R"({"a": "y"})"};
  std::vector<JqResult> results(3);
  q.first_strings(lines, results);
  EXPECT_EQ(results[0].text, "x");
  EXPECT_TRUE(results[1].error.has_value());
  EXPECT_EQ(results[2].text, "y");
}

TEST(JqQuery, ProgramSizeLimits) {
  EXPECT_NE(error_of([] { JqQuery(std::string(20000, ' ') + ".a"); }).find("settings.jq_pattern"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              JqQuery(std::string(200, '(') + "." + std::string(200, ')'));
            }).find("nests brackets more than 128 levels"),
            std::string::npos);
  // Brackets inside strings do not count.
  EXPECT_EQ(JqQuery("\"" + std::string(200, '[') + "\"").first_string("{}"), std::string(200, '['));
}

TEST(JqQuery, FastPathAndLibJqAgree) {
  const std::string line =
      R"({"a": {"b": "x\u00e9"}, "messages": [{"content": "hi"}], "n": 3, "z": null})";
  EXPECT_EQ(JqQuery(".a.b").first_string(line), "x\xc3\xa9");
  EXPECT_EQ(JqQuery(".messages[0].content").first_string(line), "hi");        // libjq
  EXPECT_EQ(JqQuery(".a.b | ascii_upcase").first_string(line), "X\xc3\xa9");  // libjq
  EXPECT_EQ(JqQuery(".messages[].content").first_string(line), "hi");
  for (const char* bad : {".missing", ".z", ".a.missing.deeper"}) {
    try {
      JqQuery(bad).first_string(line);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not able to find anything"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(JqQuery(".n").first_string(line), Error);    // not a string
  EXPECT_THROW(JqQuery(".n.x").first_string(line), Error);  // jq error (number has no keys)
  EXPECT_THROW(JqQuery(".[").first_string(line), Error);    // does not compile
  EXPECT_THROW(JqQuery(".a").first_string("{not json"), Error);
}

}  // namespace
}  // namespace instill::data

namespace instill::data {
namespace {

TEST(PackEncodedData, SkipInvalidListsSkippedLines) {
  INSTILL_REQUIRE_FIXTURE(tok, "data/tokenizer/hf_gpt2");
  TempDir tmp;
  spit(tmp / "in.jsonl", "{\"text\": \"fine\"}\n{\"txt\": \"x\"}\n{\"text\": \"also fine\"}\n");
  create_raw_index(tmp / "in.jsonl", tmp / "in.idx", FileExistencePolicy::kError);
  auto tokenizer_doc = config::load_yaml_string(
      "tokenizer: {component_key: tokenizer, variant_key: pretrained_hf_tokenizer, config: "
      "{pretrained_model_name_or_path: " +
      tok.string() + "}}\n");
  config::Registry registry;
  register_data_components(registry);
  auto tokenizer = config::ComponentBuilder(registry, tokenizer_doc)
                       .build_component<TokenizerComponent>("tokenizer");
  PackSettings s{tmp / "in.jsonl", tmp / "out.pbin", tmp / "in.idx", ".text", 1, "<|endoftext|>"};
  s.skip_invalid = true;
  auto stats = pack_encoded_data(s, *tokenizer, FileExistencePolicy::kError);
  EXPECT_EQ(stats.documents, 2u);
  ASSERT_EQ(stats.skipped.size(), 1u);
  EXPECT_EQ(stats.skipped[0].first, 2u);
  EXPECT_EQ(PbinReader(tmp / "out.pbin").num_documents(), 2u);
}

}  // namespace
}  // namespace instill::data
