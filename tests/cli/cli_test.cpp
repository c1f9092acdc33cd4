// End-to-end checks of the instill binary: exit codes, messages, outputs.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace instill::testing {
namespace {

CommandResult instill(const std::string& args) { return run_command("'" + instill_binary() + "' " + args); }

TEST(Cli, VersionAndHelp) {
  auto v = instill("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("instill "), std::string::npos) << v.out;
  for (const char* args : {"--help", "data --help", "data create_raw_index --help", "print_config --help"}) {
    auto h = instill(args);
    EXPECT_EQ(h.exit_code, 0) << args;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << args;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(instill("").exit_code, 2);
  EXPECT_EQ(instill("no_such_command").exit_code, 2);
  EXPECT_EQ(instill("data create_raw_index").exit_code, 2);  // missing SRC_PATH
  auto r = instill("data create_raw_index x.jsonl --file_existence_policy maybe");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("file_existence_policy"), std::string::npos) << r.err;
}

TEST(Cli, CreateRawIndexReproducesReference) {
  INSTILL_REQUIRE_FIXTURE(jsonl, "modalities/data/lorem_ipsum_long.jsonl");
  TempDir tmp;
  auto r = instill("data create_raw_index --index_path '" + (tmp / "x.idx").string() + "' '" + jsonl.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(tmp / "x.idx"), slurp(fixture("modalities/data/lorem_ipsum_long.idx")));
  // Second run: policy error by default (exit 1), skip keeps the file, override rewrites it.
  auto again = instill("data create_raw_index --index_path '" + (tmp / "x.idx").string() + "' '" + jsonl.string() + "'");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(instill("data create_raw_index --file_existence_policy skip --index_path '" + (tmp / "x.idx").string() +
                    "' '" + jsonl.string() + "'").exit_code, 0);
}

TEST(Cli, CreateRawIndexDefaultPathAndBadLine) {
  TempDir tmp;
  spit(tmp / "good.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"}\n");
  ASSERT_EQ(instill("data create_raw_index '" + (tmp / "good.jsonl").string() + "'").exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(tmp / "good.idx"));
  spit(tmp / "bad.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": oops}\n");
  auto r = instill("data create_raw_index '" + (tmp / "bad.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.jsonl: line 3 (byte offset 28)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("{\\\"text\\\": oops}"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad.idx"));
  auto missing = instill("data create_raw_index '" + (tmp / "none.jsonl").string() + "'");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

TEST(Cli, ConfigErrorsExitOneWithKeyPath) {
  TempDir tmp;
  spit(tmp / "dup.yaml", "settings:\n  a: 1\n  a: 2\n");
  auto r = instill("print_config --config_file_path '" + (tmp / "dup.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("dup.yaml:3: settings: duplicate key \"a\""), std::string::npos) << r.err;
  spit(tmp / "dangling.yaml", "settings:\n  a: ${settings.b}\n");
  r = instill("print_config --config_file_path '" + (tmp / "dangling.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("dangling.yaml:2: settings.a: interpolation ${settings.b}"), std::string::npos) << r.err;
  spit(tmp / "ok.yaml", "n: 1e-5\nb: yes\ns: ${n}\n");
  r = instill("print_config --config_file_path '" + (tmp / "ok.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\n  \"n\": 1e-05,\n  \"b\": true,\n  \"s\": 1e-05\n}\n");
}

}  // namespace
}  // namespace instill::testing
