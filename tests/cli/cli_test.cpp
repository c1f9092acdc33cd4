// End-to-end checks of the instill binary: exit codes, messages, outputs.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace instill::testing {
namespace {

CommandResult instill(const std::string& args) {
  return run_command("'" + instill_binary() + "' " + args);
}

TEST(Cli, VersionAndHelp) {
  auto v = instill("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("instill "), std::string::npos) << v.out;
  for (const char* args :
       {"--help", "data --help", "data create_raw_index --help", "print_config --help"}) {
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
  INSTILL_REQUIRE_FIXTURE(jsonl, "data/lorem_ipsum_long.jsonl");
  TempDir tmp;
  auto r = instill("data create_raw_index --index_path '" + (tmp / "x.idx").string() + "' '" +
                   jsonl.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(tmp / "x.idx"), slurp(reference_fixture("data/lorem_ipsum_long.idx")));
  // Second run: policy error by default (exit 1), skip keeps the file, override rewrites it.
  auto again = instill("data create_raw_index --index_path '" + (tmp / "x.idx").string() + "' '" +
                       jsonl.string() + "'");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(instill("data create_raw_index --file_existence_policy skip --index_path '" +
                    (tmp / "x.idx").string() + "' '" + jsonl.string() + "'")
                .exit_code,
            0);
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
  EXPECT_NE(r.err.find("dangling.yaml:2: settings.a: interpolation ${settings.b}"),
            std::string::npos)
      << r.err;
  spit(tmp / "ok.yaml", "n: 1e-5\nb: yes\ns: ${n}\n");
  r = instill("print_config --config_file_path '" + (tmp / "ok.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\n  \"n\": 1e-05,\n  \"b\": true,\n  \"s\": 1e-05\n}\n");
}

}  // namespace
}  // namespace instill::testing

namespace instill::testing {
namespace {

TEST(Cli, InspectHighlightsTrainedTokens) {
  INSTILL_REQUIRE_GPT2(tok);
  TempDir tmp;
  // "User: hi\nAssistant:^hello$" in GPT-2 ids, written by hand: ^ = 61, $ = 3.
  spit(tmp / "in.jsonl", "{\"text\": \"User: hi\\nAssistant:\"}\n");
  const std::string ids_cmd = "'" + instill_binary() + "' tokenize --tokenizer '" + tok.string() +
                              "' --input '" + (tmp / "in.jsonl").string() + "'";
  auto r = run_command(ids_cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<uint32_t> ids;
  for (size_t p = r.out.find('[') + 1; p < r.out.size() && r.out[p] != ']';) {
    size_t q = r.out.find_first_of(",]", p);
    ids.push_back(static_cast<uint32_t>(std::stoul(r.out.substr(p, q - p))));
    p = r.out[q] == ',' ? q + 2 : q;
  }
  ids.push_back(61);
  ids.push_back(31373);  // "hello"
  ids.push_back(3);
  ids.push_back(50256);
  std::string pbin;
  const uint64_t len = ids.size() * 2;
  for (int i = 0; i < 8; ++i) pbin += static_cast<char>(len >> (8 * i));
  pbin += std::string("\x02\x00\x00\x00", 4);
  for (uint32_t id : ids) {
    pbin += static_cast<char>(id & 0xFF);
    pbin += static_cast<char>(id >> 8);
  }
  // Index [(0, len)] pickled (protocol 4): single entry with APPEND.
  std::string idx = "\x80\x04\x95";
  std::string body =
      std::string("\x5d\x94\x4b\x00\x4b", 5) + static_cast<char>(len) + "\x86\x94\x61\x2e";
  uint64_t blen = body.size();
  for (int i = 0; i < 8; ++i) idx += static_cast<char>(blen >> (8 * i));
  spit(tmp / "x.pbin", pbin + idx + body);
  auto out = run_command("'" + instill_binary() + "' data inspect '" + (tmp / "x.pbin").string() +
                         "' --tokenizer '" + tok.string() + "' --b_token '^' --e_token '$'");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.out.find("User: hi\nAssistant:^[[hello]]$<|endoftext|>"), std::string::npos)
      << out.out;
  EXPECT_NE(out.out.find("1 trained"), std::string::npos) << out.out;
  auto bad = run_command("'" + instill_binary() + "' data inspect '" + (tmp / "x.pbin").string() +
                         "' --tokenizer '" + tok.string() + "' --index 5");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("out of range"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace instill::testing

namespace instill::testing {
namespace {

TEST(Cli, BadPackedFilesExitOne) {
  INSTILL_REQUIRE_LOREM_PBIN(pbin);
  INSTILL_REQUIRE_GPT2(tok);
  TempDir tmp;
  const std::string good = slurp(pbin);
  std::string beyond = good;
  beyond[5] = '\x10';  // data length far beyond the file
  uint64_t data_len = 0;
  for (int i = 0; i < 8; ++i) data_len |= uint64_t{static_cast<unsigned char>(good[i])} << (8 * i);
  const std::pair<std::string, std::string> cases[] = {
      {good.substr(0, 10), "truncated .pbin"},
      {good.substr(0, 5000), "exceeds the file size"},
      {beyond, "exceeds the file size"},
      {good.substr(0, 12 + data_len) + "\x80\x04" + "cos\nsystem\n(S'x'\ntR.",
       "forbidden pickle opcode 0x63"},
  };
  for (const auto& [bytes, fragment] : cases) {
    spit(tmp / "bad.pbin", bytes);
    auto r = run_command("'" + instill_binary() + "' data inspect '" + (tmp / "bad.pbin").string() +
                         "' --tokenizer '" + tok.string() + "'");
    EXPECT_EQ(r.exit_code, 1) << fragment;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad.pbin"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace instill::testing
