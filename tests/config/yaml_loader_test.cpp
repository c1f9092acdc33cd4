#include "config/yaml_loader.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "test_support.hpp"

namespace instill::config {
namespace {

Value load(const std::string& yaml) { return load_yaml_string(yaml, "t.yaml").root; }

TEST(YamlLoader, Yaml11Booleans) {
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
    EXPECT_EQ(resolve_plain_scalar(t), Value(true)) << t;
  for (const char* f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
    EXPECT_EQ(resolve_plain_scalar(f), Value(false)) << f;
  // Not booleans in YAML 1.1 as PyYAML implements it.
  for (const char* s : {"y", "n", "tRue", "yES"})
    EXPECT_TRUE(resolve_plain_scalar(s).is_string()) << s;
}

TEST(YamlLoader, OmegaConfFloatsAndYaml11Ints) {
  for (const char* f :
       {"1e-5", "6e-4", "1e-8", "1e-1", "1E5", "-2.5", "3.", ".5", "1.0e+3", "1_000.5"})
    EXPECT_TRUE(resolve_plain_scalar(f).is_float()) << f;
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("1e-5").as_float(), 1e-5);
  EXPECT_DOUBLE_EQ(resolve_plain_scalar("1_000.5").as_float(), 1000.5);
  EXPECT_TRUE(std::isinf(resolve_plain_scalar("-.inf").as_float()));
  EXPECT_TRUE(std::isnan(resolve_plain_scalar(".NaN").as_float()));
  EXPECT_EQ(resolve_plain_scalar("42"), Value(42));
  EXPECT_EQ(resolve_plain_scalar("-7"), Value(-7));
  EXPECT_EQ(resolve_plain_scalar("1_000"), Value(1000));
  EXPECT_EQ(resolve_plain_scalar("0x1F"), Value(31));
  EXPECT_EQ(resolve_plain_scalar("010"), Value(8));  // YAML 1.1 octal
  EXPECT_EQ(resolve_plain_scalar("0b101"), Value(5));
  Value big = resolve_plain_scalar("123456789012345678901234567890");
  ASSERT_TRUE(big.is_big_int());
  EXPECT_EQ(big.big_int_digits(), "123456789012345678901234567890");
  for (const char* s : {"1e", "e5", "1.2.3", "abc", "0x", "12abc"})
    EXPECT_TRUE(resolve_plain_scalar(s).is_string()) << s;
}

TEST(YamlLoader, NullsAndQuotedScalars) {
  Value v = load("a: ~\nb: null\nc:\nd: 'true'\ne: \"1e-5\"\nf: !!str 5\ng: !!float 3\n");
  const auto& m = v.as_map();
  EXPECT_TRUE(m.at("a").is_null());
  EXPECT_TRUE(m.at("b").is_null());
  EXPECT_TRUE(m.at("c").is_null());
  EXPECT_EQ(m.at("d"), Value("true"));
  EXPECT_EQ(m.at("e"), Value("1e-5"));
  EXPECT_EQ(m.at("f"), Value("5"));
  EXPECT_TRUE(m.at("g").is_float());
}

TEST(YamlLoader, BlockScalarsKeptExactly) {
  // Literal block: line breaks kept, one final \n (clip), backslashes NOT processed.
  Value v = load("t: |\n  {{ x + '\\n' }}\n  {% if a %}\n    indented\n\n\nnext: 1\n");
  EXPECT_EQ(v.as_map().at("t").as_string(), "{{ x + '\\n' }}\n{% if a %}\n  indented\n");
  Value k = load("t: |-\n  a\n  b\n");
  EXPECT_EQ(k.as_map().at("t").as_string(), "a\nb");
}

TEST(YamlLoader, KeyOrderIsKept) {
  Value v = load("z: 1\na: 2\nm: 3\n");
  std::vector<std::string> keys;
  for (const auto& [k, val] : v.as_map()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"z", "a", "m"}));
}

TEST(YamlLoader, DuplicateKeysRejectedWithLine) {
  try {
    load("a:\n  b: 1\n  c: 2\n  b: 3\n");
    FAIL() << "duplicate accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("t.yaml:4:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("duplicate key \"b\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("first defined on line 2"), std::string::npos) << msg;
  }
}

TEST(YamlLoader, SyntaxErrorsNameLineAndColumn) {
  try {
    load("a: [1, 2\nb: 3\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.yaml:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("invalid YAML"), std::string::npos) << e.what();
  }
}

TEST(YamlLoader, RecordsLinesOfKeyPaths) {
  auto doc = load_yaml_string("a:\n  b:\n    - x\n    - y\n", "f.yaml");
  EXPECT_EQ(doc.lines.at("a.b"), 3);
  EXPECT_EQ(doc.lines.at("a.b[1]"), 4);
  EXPECT_EQ(doc.where("a.b[1].nothing"), "f.yaml:4: ");
}

std::string load_error(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(YamlLoader, RecursiveAliasesAndAliasBombsAreBounded) {
  std::string e = load_error("a: &a\n  - *a\n");
  EXPECT_NE(e.find("t.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("recursive alias"), std::string::npos) << e;
  e = load_error("a: &a {b: *a}\n");
  EXPECT_NE(e.find("recursive alias"), std::string::npos) << e;
  // "Billion laughs": ten lines that expand to 10^9 values.
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", " : "") + prev;
    bomb += "]\n";
  }
  e = load_error(bomb);
  EXPECT_NE(e.find("expands to more than"), std::string::npos) << e;
  // Aliases in normal use still work.
  EXPECT_EQ(load("a: &x {k: 1}\nb: *x\n").as_map().find("b")->as_map().find("k")->as_int(), 1);
}

TEST(YamlLoader, RejectsWhatPyYamlSafeLoadRejects) {
  std::string e = load_error("a: 1\n---\nb: 2\n");
  EXPECT_NE(e.find("t.yaml:2: invalid YAML: expected a single document"), std::string::npos) << e;
  e = load_error("a: 1\n---\n");
  EXPECT_NE(e.find("expected a single document"), std::string::npos) << e;
  EXPECT_EQ(load("---\na: 1\n...\n").as_map().find("a")->as_int(), 1);
  // A stray ',' at block level: yaml-cpp's LoadAll yields empty documents forever on it.
  for (const char* stray : {", a\n", "- a\n, b\n", "[a], b\n", ",\n"}) {
    e = load_error(stray);
    EXPECT_NE(e.find("invalid YAML"), std::string::npos) << stray << ": " << e;
  }
  e = load_error("a: !!python/tuple [1, 2]\n");
  EXPECT_NE(e.find("t.yaml:1: a: unsupported YAML tag"), std::string::npos) << e;
  e = load_error("a: !custom {b: 1}\n");
  EXPECT_NE(e.find("unsupported YAML tag"), std::string::npos) << e;
  e = load_error("a: 1\nb: \xff\xfe\n");
  EXPECT_NE(e.find("t.yaml:2: invalid YAML: not UTF-8"), std::string::npos) << e;
  EXPECT_EQ(load("a: !!seq [1]\nb: !!map {c: 2}\n").as_map().size(), 2u);
}

}  // namespace
}  // namespace instill::config
