#include "config/registry.hpp"

#include <gtest/gtest.h>

#include "config/app_config.hpp"
#include "config/yaml_loader.hpp"
#include "core/error.hpp"
#include "data/components.hpp"
#include "data/packed_dataset.hpp"
#include "test_support.hpp"

namespace instill::config {
namespace {

struct Counter : Component {
  int64_t n;
  std::shared_ptr<Counter> child;
  explicit Counter(int64_t v) : n(v) {}
};

// A small registry with the shapes real components have.
Registry test_registry(int* builds) {
  Registry r;
  r.add("counter", "plain",
        Schema{Field::integer("n").greater_than(1).strict(),
               Field::component("child", "counter").optional(),
               Field::enumeration("mode", {{"p2_norm", "P2_NORM"}, {"max_norm", "MAX_NORM"}})
                   .defaults("p2_norm"),
               Field::number("lr").defaults(0.1),
               Field::list("keys").of(FieldKind::kString).defaults(ValueList{})},
        [builds](const ComponentConfig& c) {
          ++*builds;
          auto out = std::make_shared<Counter>(c.get_int("n"));
          if (!c.is_null("child")) out->child = c.get_component<Counter>("child");
          return out;
        });
  r.add("counter", "other", Schema{},
        [](const ComponentConfig&) { return std::make_shared<Counter>(0); });
  return r;
}

std::string build_error(const std::string& yaml, const std::string& key) {
  int builds = 0;
  Registry r = test_registry(&builds);
  auto doc = load_yaml_string(yaml, "c.yaml");
  try {
    ComponentBuilder(r, doc).build(key);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Registry, ValidationErrorsNameKeyPathExpectationAndValue) {
  std::string e = build_error(
      "train_dataset:\n  component_key: counter\n  variant_key: plain\n  config:\n    n: abc\n",
      "train_dataset");
  EXPECT_NE(e.find("c.yaml:5: train_dataset.config.n: expected an integer > 1, got \"abc\""),
            std::string::npos)
      << e;
  e = build_error("x: {component_key: counter, variant_key: plain, config: {n: 1}}\n", "x");
  EXPECT_NE(e.find("x.config.n: expected an integer > 1, got 1"), std::string::npos) << e;
  e = build_error("x: {component_key: counter, variant_key: plain, config: {n: 2.0}}\n", "x");
  EXPECT_NE(e.find("got 2.0"), std::string::npos) << "strict ints reject floats: " << e;
  e = build_error("x: {component_key: counter, variant_key: plain, config: {n: 2, lr: fast}}\n",
                  "x");
  EXPECT_NE(e.find("x.config.lr: expected a number, got \"fast\""), std::string::npos) << e;
  e = build_error("x: {component_key: counter, variant_key: plain, config: {n: 2, keys: [a, 3]}}\n",
                  "x");
  EXPECT_NE(e.find("x.config.keys[1]: expected a list of strings, got 3"), std::string::npos) << e;
}

TEST(Registry, UnknownKeysAndMissingFields) {
  std::string e =
      build_error("x: {component_key: counter, variant_key: plain, config: {n: 2, m: 1}}\n", "x");
  EXPECT_NE(e.find("x.config.m: unknown key for component counter.plain (allowed keys: n, child, "
                   "mode, lr, keys)"),
            std::string::npos)
      << e;
  e = build_error("x: {component_key: counter, variant_key: plain, config: {}}\n", "x");
  EXPECT_NE(e.find("x.config.n: required field is missing (expected an integer > 1)"),
            std::string::npos)
      << e;
  e = build_error("x: {component_key: counter, variant_key: plain, conf: {}}\n", "x");
  EXPECT_NE(e.find("x.conf: unexpected key in a component definition"), std::string::npos) << e;
}

TEST(Registry, UnknownComponentOrVariantListsTheRegisteredOnes) {
  std::string e = build_error("x: {component_key: countr, variant_key: plain, config: {}}\n", "x");
  EXPECT_NE(e.find("unknown component_key \"countr\" (registered: counter)"), std::string::npos)
      << e;
  e = build_error("x: {component_key: counter, variant_key: plane, config: {}}\n", "x");
  EXPECT_NE(e.find("unknown variant_key \"plane\" for component_key \"counter\" (registered "
                   "variants: other, plain)"),
            std::string::npos)
      << e;
}

TEST(Registry, EnumsAcceptValueOrMemberName) {
  int builds = 0;
  Registry r = test_registry(&builds);
  auto doc = load_yaml_string(
      "x: {component_key: counter, variant_key: plain, config: {n: 2, mode: MAX_NORM}}\n",
      "c.yaml");
  EXPECT_NO_THROW(ComponentBuilder(r, doc).build("x"));
  EXPECT_NE(build_error(
                "x: {component_key: counter, variant_key: plain, config: {n: 2, mode: l1}}\n", "x")
                .find("expected one of p2_norm (P2_NORM), max_norm (MAX_NORM), got \"l1\""),
            std::string::npos);
}

TEST(Schema, NestedMappingsListsAndOneOfNameTheirKeyPaths) {
  const Schema schema{
      Field::map("norm", Schema{Field::one_of("type", {"layer_norm", "rms_norm"}),
                                Field::number("eps").defaults(1e-5)}),
      Field::list("transforms").of(Schema{Field::string("type_hint")}).defaults(ValueList{}),
      Field::map("paths").of(FieldKind::kPath).defaults(ValueMap{}),
      Field::map("extra", Schema{Field::integer("k").defaults(1)}.open()).defaults(ValueMap{})};
  auto doc = load_yaml_string(
      "c:\n  norm: {type: rms_norm}\n  transforms: [{type_hint: a}]\n  extra: {z: 3}\n", "c.yaml");
  Value v = schema.validate(doc.root.as_map().at("c"), "c", "c", &doc);
  EXPECT_EQ(v.as_map().at("norm").as_map().at("eps").to_double(), 1e-5);  // nested default
  EXPECT_EQ(v.as_map().at("extra").as_map().at("k").as_int(), 1);  // default of a defaulted map
  EXPECT_EQ(v.as_map().at("extra").as_map().at("z").as_int(), 3);  // open schemas keep keys
  auto error = [&](const std::string& yaml) {
    auto d = load_yaml_string(yaml, "c.yaml");
    try {
      schema.validate(d.root.as_map().at("c"), "c", "c", &d);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kData);
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error("c:\n  norm:\n    type: l2\n"),
            "c.yaml:3: c.norm.type: expected one of layer_norm, rms_norm, got \"l2\"");
  EXPECT_EQ(error("c:\n  norm: {type: rms_norm, x: 1}\n"),
            "c.yaml:2: c.norm.x: unknown key for c.norm (allowed keys: type, eps)");
  EXPECT_EQ(error("c:\n  norm: {type: rms_norm}\n  transforms: [{}]\n"),
            "c.yaml:3: c.transforms[0].type_hint: required field is missing (expected a string)");
  EXPECT_EQ(error("c:\n  norm: {type: rms_norm}\n  paths: {a: 1}\n"),
            "c.yaml:3: c.paths.a: expected a mapping of paths, got 1");
}

TEST(Registry, InstanceKeysAreSharedAndNestedDefinitionsAreNot) {
  int builds = 0;
  Registry r = test_registry(&builds);
  auto doc = load_yaml_string(
      "shared: {component_key: counter, variant_key: plain, config: {n: 5}}\n"
      "a: {component_key: counter, variant_key: plain, config: {n: 2, child: {instance_key: "
      "shared, pass_type: BY_REFERENCE}}}\n"
      "b: {component_key: counter, variant_key: plain, config: {n: 3, child: {instance_key: "
      "shared, pass_type: BY_VALUE}}}\n"
      "c: {component_key: counter, variant_key: plain, config: {n: 4, child: {component_key: "
      "counter, variant_key: plain, config: {n: 6}}}}\n"
      "d: {component_key: counter, variant_key: plain, config: {n: 4, child: {component_key: "
      "counter, variant_key: plain, config: {n: 6}}}}\n",
      "c.yaml");
  ComponentBuilder builder(r, doc);
  auto a = builder.build_component<Counter>("a");
  auto b = builder.build_component<Counter>("b");
  EXPECT_EQ(a->child.get(), b->child.get())
      << "instance_key must share one object (even BY_VALUE, Q1)";
  EXPECT_EQ(builder.build_component<Counter>("shared").get(), a->child.get());
  EXPECT_EQ(builds, 3);
  auto c = builder.build_component<Counter>("c");
  auto d = builder.build_component<Counter>("d");
  EXPECT_NE(c->child.get(), d->child.get());
  EXPECT_EQ(builder.build_component<Counter>("c").get(), c.get())
      << "top-level entries are memoised";
  EXPECT_EQ(builds, 7);
}

TEST(Registry, ReferenceErrors) {
  std::string e = build_error(
      "a: {component_key: counter, variant_key: plain, config: {n: 2, child: {instance_key: nope, "
      "pass_type: BY_REFERENCE}}}\n",
      "a");
  EXPECT_NE(e.find("a.config.child.instance_key: no top-level entry \"nope\""), std::string::npos)
      << e;
  e = build_error(
      "a: {component_key: counter, variant_key: plain, config: {n: 2, child: {instance_key: a, "
      "pass_type: BY_REFERENCE}}}\n",
      "a");
  EXPECT_NE(e.find("reference cycle"), std::string::npos) << e;
  e = build_error(
      "a: {component_key: counter, variant_key: plain, config: {n: 2, child: {instance_key: o, "
      "pass_type: BY_REFERENCE}}}\n"
      "o: {component_key: counter, variant_key: other, config: {}}\n",
      "a");
  EXPECT_EQ(e, "(no error)") << "a component of the right key passes";
  e = build_error("a: {component_key: counter, variant_key: plain, config: {n: 2, child: 5}}\n",
                  "a");
  EXPECT_NE(e.find("a.config.child: expected a component of kind counter or null, got 5"),
            std::string::npos)
      << e;
}

TEST(Registry, FixtureConfigsLoadAndResolve) {
  INSTILL_REQUIRE_FIXTURE(root, ".");  // every reference config
  setenv("LOCAL_RANK", "0", 1);
  setenv("RANK", "0", 1);
  setenv("WORLD_SIZE", "2", 1);
  int n = 0;
  for (auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".yaml") continue;
    ResolverContext ctx;
    ctx.experiments_root_path = "/tmp/experiments";
    ctx.experiment_id = "exp1";
    ConfigDocument doc;
    ASSERT_NO_THROW(doc = load_app_config(entry.path(), ctx)) << entry.path();
    ++n;
  }
  EXPECT_GE(n, 10);
  auto doc =
      load_app_config(root / "tests/instruction_tuning/files/instruction_tune_model_config.yaml",
                      ResolverContext{"", std::string("/tmp/e"), std::string("id7"), {}, 0});
  const auto& settings = doc.root.as_map().at("settings").as_map();
  EXPECT_EQ(settings.at("paths").as_map().at("experiment_folder_path"), Value("/tmp/e/id7"));
  EXPECT_EQ(settings.at("cuda_env").as_map().at("world_size"), Value(2));
  // The chat-template config's template is kept byte for byte (a block scalar with '\n').
  auto tpl =
      load_app_config(root / "tests/instruction_tuning/files/apply_chat_template_config.yaml");
  const std::string& t = tpl.root.as_map().at("jinja2_chat_template").as_string();
  EXPECT_EQ(t.rfind("{{ chat_template_data.system_instruction + '\\n' }}\n", 0), 0u)
      << t.substr(0, 80);
}

// Spec §7.3 table over the hand-built stream 0..19 (4-byte tokens).
TEST(DataComponents, ContinuousDatasetBlocks) {
  instill::testing::TempDir tmp;
  {
    data::PbinWriter w(tmp / "d.pbin", 4);
    std::vector<uint32_t> all(20);
    for (uint32_t i = 0; i < 20; ++i) all[i] = i;
    w.add_document(all);
    w.finish();
  }
  const auto path = tmp / "d.pbin";
  auto make = [&](int64_t seq, bool reuse) {
    return data::PackedDatasetContinuous(path, seq, "text", reuse);
  };
  auto d2 = make(1, true);  // block 2
  EXPECT_EQ(d2.size(), 19u);
  EXPECT_EQ(d2.sample(18), (std::vector<uint32_t>{18, 19}));
  auto d3 = make(2, true);
  EXPECT_EQ(d3.size(), 9u);
  EXPECT_EQ(d3.sample(8), (std::vector<uint32_t>{16, 17, 18}));
  auto d10 = make(9, true);
  EXPECT_EQ(d10.size(), 2u);
  EXPECT_EQ(d10.sample(1).front(), 9u);
  EXPECT_EQ(make(5, true).size(), 3u);
  EXPECT_EQ(make(19, true).size(), 1u);
  EXPECT_THROW(make(20, true), Error);  // block 21 > 20 tokens
  EXPECT_THROW(make(0, true), Error);   // block 1
  auto nr = make(6, false);
  EXPECT_EQ(nr.size(), 3u);
  EXPECT_EQ(nr.sample(-1), (std::vector<uint32_t>{12, 13, 14, 15, 16, 17}));
  EXPECT_THROW(nr.sample(3), Error);
}

TEST(DataComponents, BuiltFromAConfig) {
  INSTILL_REQUIRE_FIXTURE(pbin, "data/lorem_ipsum_long.pbin");
  Registry r;
  data::register_data_components(r);
  auto doc = load_yaml_string(
      "settings: {seq: 256}\n"
      "ds: {component_key: dataset, variant_key: packed_mem_map_dataset_continuous,\n"
      "     config: {raw_data_path: " +
          pbin.string() +
          ", sequence_length: 256, sample_key: input_ids}}\n"
          "tokens: {component_key: number_conversion, variant_key: "
          "num_tokens_from_packed_mem_map_dataset_continuous,\n"
          "     config: {dataset_path: " +
          pbin.string() +
          ", sequence_length: 256, dp_degree: 2, local_micro_batch_size: 3,\n"
          "              gradient_accumulation_steps: 2, reuse_last_target: false}}\n"
          "steps: {component_key: number_conversion, variant_key: num_steps_from_num_tokens,\n"
          "     config: {dp_degree: 2, local_micro_batch_size: 3, global_num_tokens: 100000, "
          "sequence_length: 256,\n"
          "              gradient_accumulation_steps: 2}}\n",
      "c.yaml");
  ComponentBuilder b(r, doc);
  auto ds = b.build_component<data::PackedDatasetContinuous>("ds");
  const uint64_t tokens = ds->reader().num_tokens();
  EXPECT_EQ(ds->block_size(), 257);
  EXPECT_EQ(ds->size(), (tokens - 257) / 256 + 1);
  auto n_tokens = b.build("tokens").as_int();
  const int64_t steps = static_cast<int64_t>(tokens / 256) * 256 / 256 / 2 / 3 / 2;
  EXPECT_EQ(n_tokens, steps * 2 * 3 * 256 * 2);
  EXPECT_EQ(b.build("steps").as_int(), 100000 / 256 / 2 / 3 / 2);
}

}  // namespace
}  // namespace instill::config
