// python_json and python_repr against the real thing: every expectation is produced by
// /usr/bin/python3 at test time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/python_json.hpp"
#include "core/python_repr.hpp"
#include "test_support.hpp"

namespace instill {
namespace {

bool have_python() { return std::filesystem::exists("/usr/bin/python3"); }

// Runs a Python script with `input` on stdin; returns stdout.
std::string run_python(const std::string& script, const std::string& input) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto script_path = dir / ("instill_core_py_" + std::to_string(::getpid()) + ".py");
  const auto input_path = dir / ("instill_core_py_" + std::to_string(::getpid()) + ".in");
  std::ofstream(script_path, std::ios::binary) << script;
  std::ofstream(input_path, std::ios::binary) << input;
  const std::string cmd = "/usr/bin/python3 " + script_path.string() + " < " + input_path.string();
  FILE* pipe = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(script_path);
  std::filesystem::remove(input_path);
  EXPECT_EQ(status, 0) << "python failed";
  return out;
}

std::vector<std::string> split_records(const std::string& s) {
  // Records are separated by a NUL byte, which none of the outputs contain.
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

const std::vector<std::string> kDocuments = {
    R"({"b": 1, "a": [1, 2.5, null, true, false], "c": {"nested": "x"}})",
    R"([])",
    R"({})",
    R"([[], {}, [[]], {"k": {}}])",
    R"("plain")",
    R"("escapes \" \\ \/ \b \f \n \r \t \u0001 \u001f \u007f")",
    R"("unicode é ü 日本 \ud83c\udf89 😀 \u2028 \u00a0")",
    R"("lone surrogate \ud800 end")",
    R"(12345678901234567890123456789)",
    R"(-98765432109876543210)",
    R"([0, -0, 1e5, 1E-5, 1.0, -0.0, 0.1, 100.0, 1e16, 1e15, 123456789.125, 5e-324, 1.7976931348623157e308])",
    R"([NaN, Infinity, -Infinity])",
    R"({"dup": 1, "other": 2, "dup": 3})",
    R"({"z": 1, "é": 2, "A": 3, "a": [3, 2, 1]})",
    "  \n\t {\"ws\" : [ 1 , 2 ] }  \r\n",
    R"({"quote'single": "it's", "both": "it's \"x\"", "dq": "say \"hi\""})",
    R"(["\t tab", "back\\slash", "\u0000 nul"])",
    R"(true)",
    R"(null)",
    R"(3.14159265358979)",
};

const char* kDumpScript = R"PY(
import json, sys
docs = sys.stdin.buffer.read().decode('utf-8', 'surrogatepass').split('\0')[:-1]
opts = [dict(), dict(ensure_ascii=True), dict(indent=2), dict(indent='\t', sort_keys=True),
        dict(separators=(',', ':')), dict(sort_keys=True, indent=0)]
out = []
for d in docs:
    v = json.loads(d)
    for o in opts:
        out.append(json.dumps(v, **({'ensure_ascii': False} | o)))
    out.append(repr(v))
    out.append(str(v))
sys.stdout.buffer.write(''.join(x + '\0' for x in out).encode('utf-8', 'surrogatepass'))
)PY";

TEST(PythonJson, DumpsAndReprMatchPython) {
  if (!have_python()) INSTILL_UNAVAILABLE("/usr/bin/python3 is missing");
  std::string input;
  for (const auto& d : kDocuments) input += d + '\0';
  const auto expected = split_records(run_python(kDumpScript, input));
  ASSERT_EQ(expected.size(), kDocuments.size() * 8);
  std::vector<JsonDumpOptions> opts(6);
  opts[1].ensure_ascii = true;
  opts[2].indent = "  ";
  opts[3].indent = "\t";
  opts[3].sort_keys = true;
  opts[4].item_separator = ",";
  opts[4].key_separator = ":";
  opts[5].sort_keys = true;
  opts[5].indent = "";
  size_t k = 0;
  for (const auto& d : kDocuments) {
    const Value v = json_loads(d);
    for (const auto& o : opts) EXPECT_EQ(json_dumps(v, o), expected[k++]) << "document: " << d;
    EXPECT_EQ(python_repr(v), expected[k++]) << "repr of " << d;
    EXPECT_EQ(python_str(v), expected[k++]) << "str of " << d;
  }
}

TEST(PythonJson, RejectsWhatPythonRejects) {
  if (!have_python()) INSTILL_UNAVAILABLE("/usr/bin/python3 is missing");
  const std::vector<std::string> docs = {
      "",   "[1,]", "{\"a\" 1}", "{'a': 1}", "[1] x", "\"unterminated", "\"ctrl \x01\"",      "01",
      "1.", ".5",   "-",         "nan",      "[1, 2", "{\"a\": }",      "\"bad \\x escape\"", "tru",
      "+1"};
  std::string input;
  for (const auto& d : docs) input += d + '\0';
  const auto verdicts = split_records(run_python(R"PY(
import json, sys
docs = sys.stdin.read().split('\0')[:-1]
out = []
for d in docs:
    try:
        json.loads(d); out.append('ok')
    except ValueError:
        out.append('error')
sys.stdout.write(''.join(x + '\0' for x in out))
)PY",
                                                 input));
  ASSERT_EQ(verdicts.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    bool ok = true;
    try {
      json_loads(docs[i]);
    } catch (const Error& e) {
      ok = false;
      EXPECT_NE(std::string(e.what()).find("line"), std::string::npos) << e.what();
    }
    EXPECT_EQ(ok ? "ok" : "error", verdicts[i]) << "document: [" << docs[i] << "]";
  }
}

TEST(PythonJson, DuplicateKeysKeepFirstPositionAndBigIntsStayExact) {
  const Value v = json_loads(R"({"a": 1, "b": 2, "a": 3, "n": 123456789012345678901234567890})");
  ASSERT_TRUE(v.is_map());
  EXPECT_EQ(v.as_map().entries()[0].first, "a");
  EXPECT_EQ(v.as_map().at("a"), Value(3));
  EXPECT_TRUE(v.as_map().at("n").is_big_int());
  EXPECT_EQ(json_dumps(v), R"({"a": 3, "b": 2, "n": 123456789012345678901234567890})");
}

TEST(PythonRepr, FloatReprMatchesPythonOnRandomBits) {
  if (!have_python()) INSTILL_UNAVAILABLE("/usr/bin/python3 is missing");
  std::mt19937_64 rng(1234);
  std::vector<double> values = {
      0.0,         -0.0, 1.0, 0.1,     1e-5,   1e-4,     1e16,      1e15, 9999999999999998.0,
      123456789.0, 0.5,  2.5, 1.5e300, 5e-324, INFINITY, -INFINITY, NAN};
  for (int i = 0; i < 3000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isnan(d)) continue;
    values.push_back(d);
    values.push_back(static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) / 1000.0);
  }
  std::string input;
  for (double d : values) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", d);
    input += std::string(buf) + '\0';
  }
  const auto expected = split_records(run_python(R"PY(
import sys
vals = sys.stdin.read().split('\0')[:-1]
def parse(h):
    if h in ('inf', '-inf', 'nan', '-nan'): return float(h)
    return float.fromhex(h)
sys.stdout.write(''.join(repr(parse(h)) + '\0' for h in vals))
)PY",
                                                 input));
  ASSERT_EQ(expected.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(python_float_repr(values[i]), expected[i]);
}

TEST(PythonRepr, StringQuotingMatchesPython) {
  if (!have_python()) INSTILL_UNAVAILABLE("/usr/bin/python3 is missing");
  const std::vector<std::string> strings = {
      "plain",        "it's",   "say \"hi\"",   "both ' and \"", "back\\slash", "tab\tnl\ncr\r",
      "\x01\x1f\x7f", "é日本😀", "\xc2\xa0nbsp", "\xe2\x80\xa8",  "\xc2\x85",    ""};
  std::string input;
  for (const auto& s : strings) input += s + '\0';
  const auto expected = split_records(run_python(R"PY(
import sys
vals = sys.stdin.buffer.read().decode('utf-8').split('\0')[:-1]
sys.stdout.buffer.write(''.join(repr(v) + '\0' for v in vals).encode('utf-8'))
)PY",
                                                 input));
  ASSERT_EQ(expected.size(), strings.size());
  for (size_t i = 0; i < strings.size(); ++i)
    EXPECT_EQ(python_string_repr(strings[i]), expected[i]);
}

}  // namespace
}  // namespace instill
