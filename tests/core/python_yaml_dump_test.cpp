// pyyaml_dump against PyYAML itself (/usr/bin/python3 with python3-yaml): a corpus of
// documents built to hit every scalar style decision, folding rule and nesting shape.
#include "core/python_yaml_dump.hpp"

#include <gtest/gtest.h>

#include "core/python_json.hpp"
#include "test_support.hpp"

namespace instill {
namespace {

using instill::testing::run_command;
using instill::testing::slurp;
using instill::testing::spit;
using instill::testing::TempDir;

const char* kCorpusScript = R"PY(
import json, sys, yaml
words = ["", " a", "a ", "a  b", "true", "Yes", "off", "1", "-3", "0x1F", "010", "1.0", "1e5", "1e-05", ".5",
         ".inf", "null", "~", "Null", "2001-12-14", "2001-12-14 21:59:43.10 -5", "<<", "=", "<|endoftext|>",
         "<|im_start|>", "^", "$", "\u00b0", "-", "- a", "-a", ":", "a: b", "a:b", "a #b", "a#b", "#x", "?", "? x",
         "it's", "\"q\"", "line\nbreak", "trail\n", "\nlead", "tab\there", "nul\x00", "bell\x07", "esc\x1b",
         "\x85nel", "\u2028", "\ufeffbom", "caf\u00e9", "\u65e5\u672c\u8a9e", "emoji \U0001F600", "[x]", "{y}",
         "a,b", "*star", "&amp", "!bang", "|pipe", ">gt", "%pct", "@at", "`tick", "---", "...", "a---",
         "path/to/file.jsonl", "../data/x.pbin", "C:\\dir", "two  spaces", "back\\slash",
         "x" * 90, ("word " * 30).strip(), ("it's a long line " * 8).strip() + " '", "tail  ",
         ("a" * 70) + " " + ("b" * 20) + " c", "multi\nline with ' quote", "sp \n nl", "\u00a0nbsp",
         ("\u00e9" * 50 + " ") * 3]
cases = []
cases.append({"settings": {"src_path": "a/b.jsonl", "dst_path": "a/b.pbin", "index_path": "a/b.idx",
  "jq_pattern": ".chat", "num_cpus": 1, "eod_token": "<|endoftext|>", "processing_batch_size": 5,
  "raw_samples_queue_size": 300, "processed_samples_queue_size": 300, "sequence_length": 2048},
  "tokenizer": {"component_key": "tokenizer", "variant_key": "pretrained_hf_tokenizer", "config": {
  "pretrained_model_name_or_path": "data/tokenizer/hf_gpt2", "padding": "max_length", "truncation": True,
  "max_length": 2048, "special_tokens": {"pad_token": "<|endoftext|>", "additional_special_tokens": ["^", "$", "\u00b0"]}}}})
cases.append({w if w else "empty": w for w in words})
cases.append({"k" + str(i): w for i, w in enumerate(words)})
cases.append({"list": words, "nested": [{"a": 1, "b": [1, [2, 3], {}], "c": {}}, [], [[1, 2], {"x": None}]]})
cases.append({"numbers": [0, -1, 2**40, 10**30, 0.1, 1e-05, 1e16, 1.5e300, -0.0, 2.5, 1e22, 123456789.125,
  float("inf"), float("-inf")], "bools": [True, False, None], "zz": {"y": {"x": {"w": "deep"}}}})
cases.append({"k" * 130: "long key", "a b": 1, "x: y": 2, "true": 3, "": 4, "\u00b0": 5})
with open(sys.argv[1], "w") as f:
    for c in cases:
        f.write(json.dumps(json.dumps(c, ensure_ascii=True)) + "\n")
        f.write(json.dumps(yaml.dump(c, allow_unicode=True)) + "\n")
)PY";

TEST(PyYamlDump, MatchesPyYamlOnCorpus) {
  if (!instill::testing::have_python_module("yaml"))
    INSTILL_UNAVAILABLE("/usr/bin/python3 with python3-yaml (the oracle) is not installed");
  TempDir tmp;
  spit(tmp / "gen.py", kCorpusScript);
  auto r = run_command("/usr/bin/python3 '" + (tmp / "gen.py").string() + "' '" +
                       (tmp / "c.txt").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(slurp(tmp / "c.txt"));
  std::string json_line, yaml_line;
  int n = 0;
  while (std::getline(lines, json_line) && std::getline(lines, yaml_line)) {
    const Value doc = json_loads(json_loads(json_line).as_string());
    const std::string expected = json_loads(yaml_line).as_string();
    const std::string actual = pyyaml_dump(doc);
    if (actual != expected) {
      // Report the first differing line, which is readable where a whole-file diff is not.
      std::istringstream a(actual), e(expected);
      std::string la, le;
      int line = 1;
      while (std::getline(a, la) && std::getline(e, le) && la == le) ++line;
      ADD_FAILURE() << "case " << n << " differs from PyYAML at line " << line
                    << "\n  PyYAML : " << le << "\n  instill: " << la;
    }
    ++n;
  }
  EXPECT_EQ(n, 6);
}

}  // namespace
}  // namespace instill
