#include "config/interpolation.hpp"

#include <gtest/gtest.h>

#include "config/resolvers.hpp"
#include "config/yaml_loader.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace instill::config {
namespace {

ConfigDocument resolve(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  ConfigDocument doc = load_yaml_string(yaml, "c.yaml");
  ResolverContext ctx;
  ctx.config_file_path = "configs/run/c.yaml";
  ctx.getenv = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  ctx.num_cpus = 6;
  resolve_interpolations(doc, modalities_resolvers(ctx));
  return doc;
}

std::string resolve_error(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  try {
    resolve(yaml, env);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Interpolation, WholeValueKeepsType) {
  auto doc = resolve(
      "a: {n: 5, f: 1e-5, b: true, s: x}\nn: ${a.n}\nf: ${a.f}\nb: ${a.b}\nnone: ${z}\nz: null\n");
  const auto& m = doc.root.as_map();
  EXPECT_EQ(m.at("n"), Value(5));
  EXPECT_TRUE(m.at("n").is_int());
  EXPECT_TRUE(m.at("f").is_float());
  EXPECT_EQ(m.at("b"), Value(true));
  EXPECT_TRUE(m.at("none").is_null());
}

TEST(Interpolation, MappingsAreDeepCopies) {
  auto doc = resolve("src: {k: [1, 2], v: '${other}'}\nother: 3\ncopy: ${src}\n");
  auto& m = doc.root.as_map();
  ASSERT_TRUE(m.at("copy").is_map());
  EXPECT_EQ(m.at("copy").as_map().at("v"), Value(3));  // resolved inside the copy
  ValueList& copied = m.find("copy")->as_map().find("k")->as_list();
  copied.emplace_back(int64_t{9});
  EXPECT_EQ(m.at("src").as_map().at("k").as_list().size(), 2u) << "copy must not alias the source";
}

TEST(Interpolation, EmbeddedInTextBecomesPythonStr) {
  auto doc = resolve(
      "root: /data\nid: 7\nf: 0.5\nb: false\nn: null\n"
      "p: ${root}/${id}/x\nq: f=${f} b=${b} n=${n}\n");
  EXPECT_EQ(doc.root.as_map().at("p"), Value("/data/7/x"));
  EXPECT_EQ(doc.root.as_map().at("q"), Value("f=0.5 b=False n=None"));
}

TEST(Interpolation, ListIndicesRelativeAndChained) {
  auto doc = resolve(
      "l: [a, {x: 2}]\ni: ${l[1].x}\nj: ${l.0}\nk: ${i}\nsub: {a: 1, b: '${.a}', c: {d: "
      "'${..a}'}}\n");
  const auto& m = doc.root.as_map();
  EXPECT_EQ(m.at("i"), Value(2));
  EXPECT_EQ(m.at("j"), Value("a"));
  EXPECT_EQ(m.at("k"), Value(2));
  EXPECT_EQ(m.at("sub").as_map().at("b"), Value(1));
  EXPECT_EQ(m.at("sub").as_map().at("c").as_map().at("d"), Value(1));
}

TEST(Interpolation, EscapedDollarIsLiteral) {
  auto doc = resolve("a: 'cost \\${x}'\n");
  EXPECT_EQ(doc.root.as_map().at("a"), Value("cost ${x}"));
}

TEST(Interpolation, ModalitiesResolvers) {
  auto doc = resolve(
      "r: ${cuda_env:RANK}\nw: ${cuda_env:WORLD_SIZE}\nl: ${cuda_env:LOCAL_RANK}\n"
      "o: ${cuda_env:OTHER}\nu: ${cuda_env:UNSET}\nf: ${modalities_env:config_file_path}\n"
      "d: ${modalities_env:config_folder_path}\nc: ${node_env:num_cpus}\nx: ${node_env:other}\n"
      "e: ${oc.env:HOME_DIR}\ng: ${oc.env:MISSING,fallback}\n",
      {{"RANK", "3"},
       {"WORLD_SIZE", "8"},
       {"LOCAL_RANK", "1"},
       {"OTHER", "v"},
       {"HOME_DIR", "/h"}});
  const auto& m = doc.root.as_map();
  EXPECT_EQ(m.at("r"), Value(3));
  EXPECT_EQ(m.at("w"), Value(8));
  EXPECT_EQ(m.at("l"), Value(1));
  EXPECT_EQ(m.at("o"), Value("v"));
  EXPECT_TRUE(m.at("u").is_null());
  EXPECT_EQ(m.at("f"), Value("configs/run/c.yaml"));
  EXPECT_EQ(m.at("d"), Value("configs/run"));
  EXPECT_EQ(m.at("c"), Value(6));
  EXPECT_TRUE(m.at("x").is_null());
  EXPECT_EQ(m.at("e"), Value("/h"));
  EXPECT_EQ(m.at("g"), Value("fallback"));
}

TEST(Interpolation, ResolverErrorsNameTheKey) {
  std::string e = resolve_error("settings:\n  rank: ${cuda_env:RANK}\n");
  EXPECT_NE(e.find("c.yaml:2: settings.rank"), std::string::npos) << e;
  EXPECT_NE(e.find("RANK is not set"), std::string::npos) << e;
  e = resolve_error("a: ${modalities_env:nope}\n");
  EXPECT_NE(e.find("unknown modalities_env variable \"nope\""), std::string::npos) << e;
  e = resolve_error("a: ${modalities_env:experiment_id}\n");
  EXPECT_NE(e.find("only available to `instill run`"), std::string::npos) << e;
  e = resolve_error("a: ${nosuch:x}\n");
  EXPECT_NE(e.find("unknown resolver \"nosuch\""), std::string::npos) << e;
  e = resolve_error("a: ${cuda_env:RANK}\n", {{"RANK", "zero"}});
  EXPECT_NE(e.find("must be an integer"), std::string::npos) << e;
}

TEST(Interpolation, DanglingReferencesNameBothPaths) {
  std::string e =
      resolve_error("model:\n  config:\n    n_embd: ${settings.width}\nsettings: {depth: 2}\n");
  EXPECT_NE(e.find("c.yaml:3: model.config.n_embd"), std::string::npos) << e;
  EXPECT_NE(e.find("settings.width, which does not exist"), std::string::npos) << e;
  EXPECT_NE(e.find("no key \"width\" in settings"), std::string::npos) << e;
  e = resolve_error("l: [1]\na: ${l[4]}\n");
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  e = resolve_error("a: 1\nb: ${a.c}\n");
  EXPECT_NE(e.find("is not a mapping or list"), std::string::npos) << e;
  e = resolve_error("a: ${b\n");
  EXPECT_NE(e.find("unterminated"), std::string::npos) << e;
}

TEST(Interpolation, CyclesAreErrors) {
  std::string e = resolve_error("a: ${b}\nb: ${c}\nc: ${a}\n");
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  e = resolve_error("a: {x: '${a}'}\n");
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  e = resolve_error("a: x${a}\n");
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
}

TEST(Interpolation, ExpansionIsBounded) {
  // Each key doubles the one before: 2^60 bytes of text, or of copied lists.
  std::string text = "k0: abcdefgh\n", lists = "k0: [1, 2, 3, 4]\n";
  for (int i = 1; i <= 60; ++i) {
    const std::string prev = "k" + std::to_string(i - 1);
    text += "k" + std::to_string(i) + ": ${" + prev + "}${" + prev + "}\n";
    lists += "k" + std::to_string(i) + ": ['${" + prev + "}', '${" + prev + "}']\n";
  }
  for (const auto& yaml : {text, lists}) {
    const std::string e = resolve_error(yaml);
    EXPECT_NE(e.find("c.yaml:"), std::string::npos) << e;
    EXPECT_NE(e.find("interpolations expand the config beyond"), std::string::npos) << e;
  }
}

TEST(Interpolation, EmbeddingAMappingInTextIsAnError) {
  std::string e = resolve_error("m: {a: 1}\ns: x-${m}\n");
  EXPECT_NE(e.find("only scalars can be embedded"), std::string::npos) << e;
}

}  // namespace
}  // namespace instill::config
