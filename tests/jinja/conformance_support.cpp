#include "conformance_support.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/python_json.hpp"
#include "jinja/template.hpp"
#include "test_support.hpp"

namespace instill::jinja::testing {

std::vector<NamedText> read_dir(const std::string& dir, const std::string& extension) {
  std::vector<NamedText> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == extension)
      out.push_back({entry.path().filename().string(), ::instill::testing::slurp(entry.path())});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<OracleResult> run_oracle(const std::vector<NamedText>& templates,
                                     const std::vector<NamedText>& contexts) {
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& t : templates)
    for (const auto& c : contexts) cases.push_back({{"template", t.text}, {"context", c.text}});
  const auto batch = std::filesystem::temp_directory_path() /
                     ("instill_jinja_oracle_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(batch, std::ios::binary);
    out << cases.dump();
  }
  const std::string cmd = "/usr/bin/python3 " + std::string(INSTILL_SOURCE_DIR) +
                          "/tests/jinja/jinja_oracle.py --batch " + batch.string();
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + cmd);
  std::string output;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(batch);
  if (status != 0) throw std::runtime_error("oracle failed: " + cmd);
  std::vector<OracleResult> results;
  for (const auto& r : nlohmann::json::parse(output)) {
    OracleResult o;
    o.ok = r["ok"].get<bool>();
    if (o.ok)
      o.text = r["text"].get<std::string>();
    else
      o.error = r["error"].get<std::string>();
    results.push_back(std::move(o));
  }
  return results;
}

namespace {

std::string describe_difference(const std::string& ours, const std::string& theirs) {
  size_t i = 0;
  while (i < ours.size() && i < theirs.size() && ours[i] == theirs[i]) ++i;
  auto excerpt = [&](const std::string& s) {
    const size_t from = i > 20 ? i - 20 : 0;
    return nlohmann::json(s.substr(from, 60))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  return "first difference at byte " + std::to_string(i) + ": ours " + excerpt(ours) + " python " +
         excerpt(theirs);
}

}  // namespace

ConformanceReport compare_with_oracle(const std::vector<NamedText>& templates,
                                      const std::vector<NamedText>& contexts) {
  const auto expected = run_oracle(templates, contexts);
  ConformanceReport report;
  size_t k = 0;
  for (const auto& t : templates) {
    std::unique_ptr<Template> compiled;
    std::string compile_error;
    try {
      compiled = std::make_unique<Template>(t.text, t.name);
    } catch (const Error& e) {
      compile_error = e.what();
    }
    for (const auto& c : contexts) {
      const OracleResult& want = expected.at(k++);
      ++report.cases;
      const std::string label = t.name + " × " + c.name + ": ";
      bool ok = false;
      std::string text, error;
      if (compiled) {
        try {
          const Value ctx = json_loads(c.text);
          text = compiled->render_text(ctx.as_map());
          ok = true;
        } catch (const Error& e) {
          error = e.what();
        }
      } else {
        error = compile_error;
      }
      if (ok && want.ok) {
        if (text == want.text)
          ++report.identical;
        else
          report.failures.push_back(label + describe_difference(text, want.text));
      } else if (!ok && !want.ok) {
        // Both reject the input: the kind of error must agree, and a raise_exception
        // message must come through verbatim.
        auto python_kind = [&](const char* kind) { return want.error.rfind(kind, 0) == 0; };
        bool same_kind = true;
        if (python_kind("TemplateError: "))
          same_kind = error.find(want.error.substr(15)) != std::string::npos;
        else if (python_kind("TemplateSyntaxError") || python_kind("TemplateAssertionError"))
          same_kind = error.find("syntax error") != std::string::npos;
        else if (python_kind("UndefinedError") || python_kind("SecurityError"))
          same_kind = error.find(want.error.substr(0, want.error.find(':'))) != std::string::npos;
        else
          same_kind = error.find("syntax error") == std::string::npos;
        if (same_kind) {
          ++report.identical;
          ++report.rejected_by_both;
        } else
          report.failures.push_back(label + "error differs: ours [" + error + "] python [" +
                                    want.error + "]");
      } else if (ok) {
        report.failures.push_back(label + "python raised [" + want.error + "] but we rendered");
      } else {
        report.failures.push_back(label + "we raised [" + error + "] but python rendered");
      }
    }
  }
  return report;
}

}  // namespace instill::jinja::testing
