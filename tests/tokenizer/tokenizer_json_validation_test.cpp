// tokenizer.json validation (issue 21, hostile input): every field the loader reads is checked
// as HF `tokenizers` (serde) checks it, with the file and JSON path named; and the loader accepts
// and refuses the same mutated files as the real HF library, apart from a few listed cases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "oracle.hpp"
#include "tokenizer/tokenizer_json_loader.hpp"

namespace instill::tokenizer {
namespace {

using json = nlohmann::json;
using testing::error_of;

// A small BPE tokenizer with one of nearly every component the loader supports, so a mutation
// can reach each field. HF loads it as is.
json base_tokenizer() {
  return json::parse(R"({
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [{"id": 6, "content": "<s>", "single_word": false, "lstrip": false,
                    "rstrip": false, "normalized": false, "special": true}],
  "normalizer": {"type": "Sequence", "normalizers": [
    {"type": "NFC"}, {"type": "Lowercase"}, {"type": "Strip", "strip_left": true, "strip_right": true},
    {"type": "Replace", "pattern": {"String": "x"}, "content": "y"},
    {"type": "Prepend", "prepend": "_"},
    {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
     "strip_accents": null, "lowercase": true}]},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
    {"type": "Split", "pattern": {"Regex": "\\d"}, "behavior": "Isolated", "invert": false},
    {"type": "Metaspace", "replacement": "_", "prepend_scheme": "always", "split": true},
    {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Digits", "individual_digits": true}]},
  "post_processor": {"type": "Sequence", "processors": [
    {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
    {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"<s>": {"id": "<s>", "ids": [6], "tokens": ["<s>"]}}}]},
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
    {"type": "Metaspace", "replacement": "_", "prepend_scheme": "always", "split": true},
    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0},
    {"type": "Replace", "pattern": {"String": "_"}, "content": " "},
    {"type": "WordPiece", "prefix": "##", "cleanup": true}]},
  "model": {"type": "BPE", "dropout": null, "unk_token": "a", "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": false, "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "Ġ": 5},
            "merges": ["a b", "ab c"]}})");
}

json bert_processing(const json& cls, const json& sep) {
  return {{"type", "BertProcessing"}, {"cls", cls}, {"sep", sep}};
}

// One change to the base file: set the value at a JSON pointer, or remove it (`remove`).
struct Mutation {
  std::string name;
  std::string pointer;
  json value;
  bool remove = false;
};

json apply(const Mutation& m) {
  json doc = base_tokenizer();
  const json::json_pointer ptr(m.pointer);
  if (m.remove) {
    doc.at(ptr.parent_pointer()).erase(ptr.back());
  } else {
    doc[ptr] = m.value;
  }
  return doc;
}

std::string load_error(const json& doc) {
  return error_of([&] { load_tokenizer_json_string(doc.dump(), "tokenizer.json"); });
}

Mutation set(std::string name, std::string pointer, json value) {
  return {std::move(name), std::move(pointer), std::move(value)};
}
Mutation drop(std::string name, std::string pointer) {
  return {std::move(name), std::move(pointer), nullptr, true};
}

TEST(tokenizer_json_validation, base_file_loads) {
  EXPECT_EQ(load_error(base_tokenizer()), "<no error>");
}

// Each class of mistake: the message names the file, the JSON path and what was expected.
TEST(tokenizer_json_validation, errors_name_file_path_and_expectation) {
  const std::string pre = "/pre_tokenizer/pretokenizers/0";
  const std::vector<std::pair<Mutation, std::string>> cases = {
      {set("mistyped bool", pre + "/add_prefix_space", "yes"),
       R"(tokenizer.json: pre_tokenizer.pretokenizers[0].add_prefix_space: expected a boolean, got "yes")"},
      {drop("missing required bool", pre + "/trim_offsets"),
       R"(pre_tokenizer.pretokenizers[0]: missing field "trim_offsets")"},
      {set("null for a defaulted bool", pre + "/use_regex", nullptr),
       "pre_tokenizer.pretokenizers[0].use_regex: expected a boolean, got null"},
      {set("unknown type", "/normalizer/normalizers/0/type", "NFX"),
       R"(normalizer.normalizers[0].type: unsupported "NFX" (supported: NFC, NFD)"},
      {set("mistyped type", "/decoder/type", 5), "decoder.type: expected a string, got 5"},
      {set("null Sequence member", "/normalizer/normalizers/1", nullptr),
       "normalizer.normalizers[1]: expected an object, got null"},
      {set("unknown top-level field", "/extra", 1), "extra: unknown field (expected one of:"},
      {set("version", "/version", "2.0"), R"(version: unsupported version "2.0")"},
      {set("added_tokens null", "/added_tokens", nullptr),
       "added_tokens: expected an array, got null"},
      {drop("added token flag", "/added_tokens/0/special"),
       R"(added_tokens[0]: missing field "special")"},
      {set("replacement of two chars", "/pre_tokenizer/pretokenizers/2/replacement", "ab"),
       R"(expected a string of one character, got "ab")"},
      {set("Metaspace add_prefix_space false", "/pre_tokenizer/pretokenizers/2/add_prefix_space",
           false),
       R"(pre_tokenizer.pretokenizers[2].add_prefix_space: false requires prepend_scheme "never")"},
      {set("enum value", "/pre_tokenizer/pretokenizers/1/behavior", "Joined"),
       R"(behavior: unknown value "Joined" (expected one of: Removed, Isolated)"},
      {set("pattern with two keys", "/normalizer/normalizers/3/pattern",
           {{"String", "x"}, {"Regex", "y"}}),
       "normalizer.normalizers[3].pattern: expected an object with exactly one key"},
      {set("Strip decoder negative start", "/decoder/decoders/4/start", -1),
       "decoder.decoders[4].start: expected a non-negative integer, got -1"},
      {set("vocab id negative", "/model/vocab/c", -1),
       R"(model.vocab: entry "c": expected a token id (an integer in 0..2147483647), got -1)"},
      {set("merges mixed", "/model/merges", json::array({"a b", {"ab", "c"}})),
       R"(model.merges[1]: expected "left right" like the first entry, got an array)"},
      {drop("merges missing", "/model/merges"), R"(model: missing field "merges")"},
      {set("dropout type", "/model/dropout", "yes"), R"(model.dropout: expected a number)"},
      {set("truncation", "/truncation", {{"max_length", 8}}),
       R"(truncation: missing field "strategy")"},
      {set("padding", "/padding",
           {{"strategy", {{"Fixed", -8}}},
            {"direction", "Right"},
            {"pad_id", 0},
            {"pad_type_id", 0},
            {"pad_token", "a"}}),
       "padding.strategy.Fixed: expected a non-negative integer, got -8"},
  };
  for (const auto& [mutation, expected] : cases) {
    const std::string error = load_error(apply(mutation));
    EXPECT_NE(error.find(expected), std::string::npos)
        << mutation.name << "\n  got: " << error << "\n  expected: " << expected;
  }
}

// model.type must agree with the model body.
TEST(tokenizer_json_validation, model_type_must_match_the_body) {
  EXPECT_NE(load_error(apply(set("", "/model/type", "WordLevel")))
                .find(R"(model.merges: belongs to a BPE model, but model.type is "WordLevel")"),
            std::string::npos);
  EXPECT_NE(
      load_error(apply(set("", "/model/type", "Unigram"))).find("model.merges: belongs to a BPE"),
      std::string::npos);
  // A WordPiece model needs fields a WordLevel body lacks.
  const json wordpiece = {
      {"model", {{"type", "WordPiece"}, {"vocab", {{"<unk>", 0}}}, {"unk_token", "<unk>"}}}};
  EXPECT_NE(load_error(wordpiece).find(R"(model: missing field "continuing_subword_prefix")"),
            std::string::npos);
  json wordlevel = {
      {"model",
       {{"type", "WordLevel"}, {"vocab", {{"<unk>", 0}}}, {"unk_token", "<unk>"}, {"unk_id", 0}}}};
  EXPECT_NE(load_error(wordlevel).find("model.unk_id: belongs to a Unigram model"),
            std::string::npos);
}

// Post-processor special-token ids: negative or beyond 32 bits used to pass (-1 kept, 2^40
// truncated to 0); each is refused with its path.
TEST(tokenizer_json_validation, post_processor_ids_are_range_checked) {
  const std::string ids = "/post_processor/processors/1/special_tokens/<s>/ids/0";
  for (const json& bad : {json(-1), json(int64_t{1} << 40), json(1.5), json("6")}) {
    const std::string error = load_error(apply(set("", ids, bad)));
    EXPECT_NE(error.find("post_processor.processors[1].special_tokens.<s>.ids[0]: expected a "
                         "token id (an integer in 0..2147483647), got " +
                         bad.dump()),
              std::string::npos)
        << error;
  }
  EXPECT_NE(
      load_error(apply(set("", "/post_processor/processors/1/single/0/SpecialToken/type_id", -1)))
          .find("single[0].SpecialToken.type_id: expected an integer in 0..4294967295"),
      std::string::npos);
  for (const json& bad : {json(-1), json(int64_t{1} << 40)}) {
    json doc = base_tokenizer();
    doc["post_processor"] = bert_processing({"<s>", bad}, {"</s>", 2});
    EXPECT_NE(load_error(doc).find("post_processor.cls[1]: expected a token id"), std::string::npos)
        << load_error(doc);
    doc["post_processor"] = bert_processing({"<s>", 1}, {"</s>", 2, 3});
    EXPECT_NE(load_error(doc).find("post_processor.sep: expected [token, id]"), std::string::npos);
    doc["post_processor"] = {{"type", "RobertaProcessing"},
                             {"cls", {"<s>", 1}},
                             {"sep", {"</s>", bad}},
                             {"trim_offsets", true},
                             {"add_prefix_space", true}};
    EXPECT_NE(load_error(doc).find("post_processor.sep[1]: expected a token id"),
              std::string::npos);
  }
  EXPECT_NE(load_error(apply(set("", "/post_processor/processors/0/add_prefix_space", 1)))
                .find("post_processor.processors[0].add_prefix_space: expected a boolean, got 1"),
            std::string::npos);
}

TEST(tokenizer_json_validation, file_errors_name_the_file) {
  testing::TempDir tmp;
  json doc = apply(set("", "/decoder/decoders/6/cleanup", "no"));
  tmp.write("tokenizer.json", doc.dump());
  const std::string path = (tmp / "tokenizer.json").string();
  EXPECT_EQ(error_of([&] { load_tokenizer_json(path); }),
            path + R"(: decoder.decoders[6].cleanup: expected a boolean, got "no")");
}

// ---- conformance with HF `tokenizers`: accept / refuse the same mutated files -------------

std::vector<Mutation> oracle_mutations() {
  const std::string pre = "/pre_tokenizer/pretokenizers/";
  const std::string post = "/post_processor/processors/";
  const std::string dec = "/decoder/decoders/";
  const std::string norm = "/normalizer/normalizers/";
  std::vector<Mutation> m = {
      set("unchanged", "/version", "1.0"),
      set("unknown top-level field", "/extra", 1),
      set("unknown component field (ignored)", pre + "0/extra", 1),
      set("unknown model field (ignored)", "/model/extra", 1),
      set("version 2.0", "/version", "2.0"),
      set("version number", "/version", 1.0),
      drop("version missing", "/version"),
      set("added_tokens null", "/added_tokens", nullptr),
      drop("added_tokens missing", "/added_tokens"),
      set("added id negative", "/added_tokens/0/id", -1),
      set("added id 2^32", "/added_tokens/0/id", int64_t{1} << 32),
      drop("added lstrip missing", "/added_tokens/0/lstrip"),
      set("added content number", "/added_tokens/0/content", 5),
      set("Strip strip_left string", norm + "2/strip_left", "yes"),
      drop("Strip strip_left missing", norm + "2/strip_left"),
      set("BertNormalizer strip_accents string", norm + "5/strip_accents", "yes"),
      set("BertNormalizer strip_accents true", norm + "5/strip_accents", true),
      drop("BertNormalizer lowercase missing", norm + "5/lowercase"),
      set("Prepend number", norm + "4/prepend", 1),
      set("Sequence member null", norm + "1", nullptr),
      set("normalizer null", "/normalizer", nullptr),
      set("ByteLevel add_prefix_space string", pre + "0/add_prefix_space", "yes"),
      drop("ByteLevel trim_offsets missing", pre + "0/trim_offsets"),
      set("ByteLevel trim_offsets number", pre + "0/trim_offsets", 1),
      set("ByteLevel use_regex null", pre + "0/use_regex", nullptr),
      drop("ByteLevel use_regex missing", pre + "0/use_regex"),
      set("Split invert null", pre + "1/invert", nullptr),
      set("Split behavior unknown", pre + "1/behavior", "Joined"),
      set("Split behavior as map", pre + "1/behavior", {{"Isolated", nullptr}}),
      set("Split pattern two keys", pre + "1/pattern", {{"String", "x"}, {"Regex", "y"}}),
      set("Metaspace replacement two chars", pre + "2/replacement", "ab"),
      set("Metaspace replacement empty", pre + "2/replacement", ""),
      set("Metaspace prepend_scheme null", pre + "2/prepend_scheme", nullptr),
      set("Metaspace prepend_scheme unknown", pre + "2/prepend_scheme", "sometimes"),
      set("Metaspace split null", pre + "2/split", nullptr),
      set("Metaspace add_prefix_space false", pre + "2/add_prefix_space", false),
      set("Metaspace add_prefix_space true", pre + "2/add_prefix_space", true),
      drop("Punctuation behavior missing", pre + "3/behavior"),
      set("Punctuation behavior null", pre + "3/behavior", nullptr),
      drop("Digits individual_digits missing", pre + "4/individual_digits"),
      set("post ByteLevel use_regex string", post + "0/use_regex", "yes"),
      drop("post ByteLevel trim_offsets missing", post + "0/trim_offsets"),
      set("template id -1", post + "1/special_tokens/<s>/ids/0", -1),
      set("template id 2^40", post + "1/special_tokens/<s>/ids/0", int64_t{1} << 40),
      set("template id string", post + "1/special_tokens/<s>/ids/0", "6"),
      set("template tokens number", post + "1/special_tokens/<s>/tokens/0", 6),
      drop("template pair missing", post + "1/pair"),
      set("template type_id negative", post + "1/single/1/Sequence/type_id", -1),
      drop("template type_id missing", post + "1/single/1/Sequence/type_id"),
      set("template sequence C", post + "1/pair/1/Sequence/id", "C"),
      set("template piece string", post + "1/single/0", "$A"),
      set("decoder ByteLevel trim_offsets string", dec + "0/trim_offsets", "yes"),
      drop("decoder ByteLevel add_prefix_space missing", dec + "0/add_prefix_space"),
      set("decoder Metaspace split string", dec + "1/split", "yes"),
      set("decoder Strip content two chars", dec + "4/content", "ab"),
      set("decoder Strip start negative", dec + "4/start", -1),
      drop("decoder WordPiece cleanup missing", dec + "6/cleanup"),
      set("decoder WordPiece prefix null", dec + "6/prefix", nullptr),
      set("model type unknown", "/model/type", "Bogus"),
      set("model type WordPiece on a BPE body", "/model/type", "WordPiece"),
      set("model type Unigram on a BPE body", "/model/type", "Unigram"),
      drop("model type missing (guessed)", "/model/type"),
      set("vocab id negative", "/model/vocab/c", -1),
      set("vocab id 2^32", "/model/vocab/c", int64_t{1} << 32),
      set("vocab id string", "/model/vocab/c", "2"),
      set("vocab id duplicate (allowed)", "/model/vocab/c", 1),
      set("merges mixed", "/model/merges", json::array({"a b", {"ab", "c"}})),
      set("merges pairs", "/model/merges", json::array({{"a", "b"}, {"ab", "c"}})),
      set("merges three parts", "/model/merges", json::array({"a b c"})),
      drop("merges missing", "/model/merges"),
      set("merge out of vocab", "/model/merges", json::array({"a z"})),
      set("dropout string", "/model/dropout", "yes"),
      set("dropout negative", "/model/dropout", -0.5),
      set("fuse_unk null", "/model/fuse_unk", nullptr),
      set("fuse_unk string", "/model/fuse_unk", "yes"),
      set("unk_token number", "/model/unk_token", 1),
      set("continuing_subword_prefix number", "/model/continuing_subword_prefix", 1),
      set("truncation string", "/truncation", "yes"),
      set("truncation valid", "/truncation",
          {{"direction", "Right"}, {"max_length", 8}, {"strategy", "LongestFirst"}, {"stride", 0}}),
      set("truncation without stride", "/truncation",
          {{"direction", "Right"}, {"max_length", 8}, {"strategy", "LongestFirst"}}),
      set("padding valid", "/padding",
          {{"strategy", "BatchLongest"},
           {"direction", "Left"},
           {"pad_to_multiple_of", nullptr},
           {"pad_id", 0},
           {"pad_type_id", 0},
           {"pad_token", "a"}}),
      set("padding pad_id negative", "/padding",
          {{"strategy", {{"Fixed", 8}}},
           {"direction", "Left"},
           {"pad_id", -1},
           {"pad_type_id", 0},
           {"pad_token", "a"}}),
  };
  return m;
}

// Files HF reads but instill refuses on purpose, each with the reason; the test states them and
// notices when HF changes.
std::vector<Mutation> deliberate_divergences() {
  const std::string post = "/post_processor/processors/";
  return {
      // HF falls back to guessing the component from its fields (legacy untagged files).
      set("unknown component type", "/normalizer/normalizers/2/type", "Bogus"),
      drop("missing component type", "/normalizer/normalizers/2/type"),
      // HF reads it, then fails or panics when encoding.
      set("template names an undefined special token", post + "1/single/0/SpecialToken/id", "<x>"),
      set("single template uses sequence B", post + "1/single/1/Sequence/id", "B"),
      // HF ignores the merges of a WordLevel model; the file contradicts itself.
      set("model type WordLevel on a BPE body", "/model/type", "WordLevel"),
      // HF allows ids up to 2^32 - 1; instill's ids are int32.
      set("vocab id 2^31", "/model/vocab/c", int64_t{1} << 31),
      // BPE dropout makes encoding random: unsupported.
      set("dropout 1", "/model/dropout", 1),
  };
}

// Writes each mutation to a file and returns the oracle's line for each ("OK" / "ERR ...").
std::vector<std::string> oracle_verdicts(const std::vector<Mutation>& mutations) {
  testing::TempDir tmp;
  std::string args;
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    const std::string name = "m" + std::to_string(i) + ".json";
    tmp.write(name, apply(mutations[i]).dump());
    args += " " + testing::shell_quote((tmp / name).string());
  }
  const auto r = testing::run_command(testing::node_script("tokenizer/oracle_load.js") + args);
  if (r.exit_code != 0) throw std::runtime_error("oracle_load.js failed: " + r.err);
  std::vector<std::string> verdicts;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) verdicts.push_back(line);
  if (verdicts.size() != mutations.size()) throw std::runtime_error("oracle output ends early");
  return verdicts;
}

TEST(tokenizer_json_validation, accepts_and_refuses_like_hf_tokenizers) {
  INSTILL_REQUIRE_NODE_ORACLE();
  const auto mutations = oracle_mutations();
  const auto verdicts = oracle_verdicts(mutations);
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    const std::string ours = load_error(apply(mutations[i]));
    EXPECT_EQ(ours == "<no error>", verdicts[i] == "OK")
        << mutations[i].name << "\n  HF: " << verdicts[i] << "\n  instill: " << ours;
  }
}

TEST(tokenizer_json_validation, deliberate_divergences_from_hf) {
  INSTILL_REQUIRE_NODE_ORACLE();
  const auto mutations = deliberate_divergences();
  const auto verdicts = oracle_verdicts(mutations);
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    EXPECT_EQ(verdicts[i], "OK") << mutations[i].name << ": HF now refuses it";
    EXPECT_NE(load_error(apply(mutations[i])), "<no error>") << mutations[i].name;
  }
}

}  // namespace
}  // namespace instill::tokenizer
