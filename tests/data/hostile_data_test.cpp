// Hostile configs for the data tools (issue 21), run through the instill binary: jq patterns
// that never end, blow up or crash libjq, sizes no buffer can hold, and interruption. Each must
// end with exit 1 and a message naming the problem within a few seconds, and leave no files or
// folders behind.
#include <gtest/gtest.h>

#include <chrono>

#include "test_support.hpp"

namespace instill::testing {
namespace {

// Generous next to the 2 s per-record budget; a hang is killed by `timeout` and fails the test.
constexpr double kFewSeconds = 8.0;

struct Timed {
  CommandResult result;
  double seconds = 0;
};

Timed run_timed(const std::string& command) {
  const auto t0 = std::chrono::steady_clock::now();
  Timed t;
  t.result = run_command("timeout -s KILL 30 " + command);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

// Everything under `dir` (names relative to it), hidden files included.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    names.push_back(fs::relative(e.path(), dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string yaml_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

std::string packing_yaml(const fs::path& tok, const std::string& src, const std::string& dst,
                         const std::string& jq_pattern, const std::string& tokenizer_extra = "") {
  return "settings:\n  src_path: " + src + "\n  dst_path: " + dst +
         "\n  jq_pattern: " + yaml_quote(jq_pattern) +
         "\n  num_cpus: 1\n  eod_token: <|endoftext|>\n"
         "tokenizer:\n  component_key: tokenizer\n  variant_key: pretrained_hf_tokenizer\n"
         "  config:\n    pretrained_model_name_or_path: " +
         tok.string() + "\n" + tokenizer_extra;
}

class HostilePack : public ::testing::Test {
 protected:
  void SetUp() override {
    INSTILL_REQUIRE_GPT2(gpt2);  // the project's own GPT-2 files (scripts/setup.sh)
    tok_ = gpt2;
    fs::create_directories(tmp_ / "in");
    tmp_.write("in/docs.jsonl", "{\"text\": \"hello world\"}\n{\"text\": \"second\"}\n");
    auto r = run_command(shell_quote(instill_binary()) + " data create_raw_index " +
                         shell_quote((tmp_ / "in/docs.jsonl").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Packs into out/sub/docs.pbin (a folder the run has to create).
  Timed pack(const std::string& jq_pattern, const std::string& tokenizer_extra = "") {
    tmp_.write("pack.yaml",
               packing_yaml(tok_, (tmp_ / "in/docs.jsonl").string(),
                            (tmp_ / "out/sub/docs.pbin").string(), jq_pattern, tokenizer_extra));
    return run_timed(shell_quote(instill_binary()) + " data pack_encoded_data " +
                     shell_quote((tmp_ / "pack.yaml").string()));
  }

  void expect_failure(const Timed& t, const std::string& message) {
    EXPECT_EQ(t.result.exit_code, 1) << t.result.err;
    EXPECT_NE(t.result.err.find(message), std::string::npos) << t.result.err;
    EXPECT_LT(t.seconds, kFewSeconds) << t.result.err;
    EXPECT_EQ(t.result.err.find("bad_alloc"), std::string::npos) << t.result.err;
    EXPECT_FALSE(fs::exists(tmp_ / "out")) << ::testing::PrintToString(listing(tmp_ / "out"));
    EXPECT_EQ(listing(tmp_ / "in"), (std::vector<std::string>{"docs.idx", "docs.jsonl"}));
  }

  fs::path tok_;
  TempDir tmp_;
};

TEST_F(HostilePack, NormalPatternStillPacks) {
  auto t = pack(".text | ascii_upcase");
  ASSERT_EQ(t.result.exit_code, 0) << t.result.err;
  EXPECT_EQ(listing(tmp_ / "out"), (std::vector<std::string>{"sub", "sub/docs.pbin"}));
}

TEST_F(HostilePack, EndlessPatternsHitTheTimeLimit) {
  for (const std::string pattern :
       {"def f: f; f", "[range(1e9)] | tostring", "[repeat(1)] | tostring",
        "[0 | recurse(. + 1)] | tostring", "def f: [f]; f"}) {
    SCOPED_TRACE(pattern);
    auto t = pack(pattern);
    expect_failure(t, "docs.jsonl: line 1: jq_pattern");
    EXPECT_NE(t.result.err.find("exceeded the per-record time limit (2 s)"), std::string::npos)
        << t.result.err;
  }
}

TEST_F(HostilePack, MemoryAndOutputBudgets) {
  // 2^40 bytes by doubling: the memory limit stops it long before the machine's memory does.
  auto memory = pack("reduce range(40) as $i (.text; . + .)");
  expect_failure(memory, "docs.jsonl: line 1: jq_pattern");
  EXPECT_NE(memory.result.err.find("limit"), std::string::npos) << memory.result.err;
  auto output = pack(".text * 10000000");  // 110 MB from an 11-byte string
  expect_failure(output, "over the per-record output limit");
}

// libjq frees deeply nested values recursively; the stack overflow ends only its own process.
TEST_F(HostilePack, LibjqCrashIsContained) {
  auto t = pack("reduce range(1000000) as $i (0; [.]) | \"x\"");
  expect_failure(t, "docs.jsonl: line 1: jq_pattern");
  EXPECT_NE(t.result.err.find("libjq crashed"), std::string::npos) << t.result.err;
}

TEST_F(HostilePack, OversizedProgramsAreRefusedBeforeLibjq) {
  std::string dots;
  for (int i = 0; i < 30000; ++i) dots += ".a";
  expect_failure(pack(dots), "settings.jq_pattern: the jq program is 60000 bytes long");
  std::string pipes;
  for (int i = 0; i < 30000; ++i) pipes += i ? "|.a" : ".a";
  expect_failure(pack(pipes), "settings.jq_pattern");
  expect_failure(pack(std::string(500, '[') + std::string(500, ']')),
                 "settings.jq_pattern: the jq program nests brackets more than 128 levels");
}

TEST_F(HostilePack, HugeMaxLengthNamesTheKey) {
  auto t = pack(".text",
                "    padding: max_length\n    truncation: true\n"
                "    max_length: 1000000000000\n");
  expect_failure(t, "max_length");
  EXPECT_NE(t.result.err.find("16777216"), std::string::npos) << t.result.err;
}

// SIGTERM (or Ctrl-C) in the middle of a run: the temporary .pbin and the folders the run
// created go, and the process still ends by the signal.
TEST_F(HostilePack, InterruptedRunCleansUp) {
  tmp_.write("pack.yaml", packing_yaml(tok_, (tmp_ / "in/docs.jsonl").string(),
                                       (tmp_ / "out/sub/docs.pbin").string(), "def f: f; f"));
  auto t = run_timed("sh -c '" + instill_binary() + " data pack_encoded_data " +
                     (tmp_ / "pack.yaml").string() +
                     " & pid=$!; sleep 0.8; kill -TERM $pid; wait $pid; echo status=$?'");
  EXPECT_NE(t.result.out.find("status=143"), std::string::npos) << t.result.out << t.result.err;
  EXPECT_NE(t.result.err.find("interrupted by SIGTERM"), std::string::npos) << t.result.err;
  EXPECT_FALSE(fs::exists(tmp_ / "out")) << ::testing::PrintToString(listing(tmp_ / "out"));
}

// A preparation whose packing step fails removes its staging folder and the output folders it
// created, and keeps folders that were there before.
TEST_F(HostilePack, FailedPrepareLeavesNoFolders) {
  tmp_.write("packing.yaml", packing_yaml(tok_, "''", "''", "def f: f; f"));
  tmp_.write("in/chat.jsonl",
             "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n"
             "{\"messages\": [{\"role\": \"user\", \"content\": \"ho\"}]}\n");
  fs::create_directories(tmp_ / "existing");
  for (const std::string dst : {"out/new/conversations.jsonl", "existing/conversations.jsonl"}) {
    SCOPED_TRACE(dst);
    tmp_.write("prepare.yaml",
               "settings:\n  src_path: " + (tmp_ / "in/chat.jsonl").string() +
                   "\n  dst_path: " + (tmp_ / dst).string() +
                   "\n  messages_key: messages\n"
                   "  split_config:\n    splitting: {train: 100, val: 0, test: 0}\n    seed: 7\n"
                   "  pbin_creation_config_file_path: " +
                   (tmp_ / "packing.yaml").string() +
                   "\ninstruction_data_transformation:\n  role_mapping: {user: user}\n"
                   "jinja2_chat_template: '{% for m in messages %}{{ m.content }}{% endfor %}'\n"
                   "chat_template_data: {unused: 1}\n");
    auto t = run_timed(shell_quote(instill_binary()) +
                       " data prepare_instruction_tuning_data --quiet --config_file_path " +
                       shell_quote((tmp_ / "prepare.yaml").string()));
    EXPECT_EQ(t.result.exit_code, 1) << t.result.err;
    EXPECT_NE(t.result.err.find("exceeded the per-record time limit"), std::string::npos)
        << t.result.err;
    EXPECT_LT(t.seconds, kFewSeconds);
    EXPECT_FALSE(fs::exists(tmp_ / "out")) << ::testing::PrintToString(listing(tmp_ / "out"));
    EXPECT_TRUE(fs::exists(tmp_ / "existing"));
    EXPECT_EQ(listing(tmp_ / "existing"), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace instill::testing
