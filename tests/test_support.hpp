#pragma once
// Helpers shared by test suites: fixture lookup (skipping loudly when ../shared is
// absent), temporary directories, running the CLI and python3 oracles.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace instill::testing {

namespace fs = std::filesystem;

inline fs::path fixtures_dir() { return fs::path(INSTILL_FIXTURES_DIR); }

// Path of a fixture under ../shared/fixtures, or empty when absent.
inline fs::path fixture(const std::string& relative) {
  fs::path p = fixtures_dir() / relative;
  return fs::exists(p) ? p : fs::path();
}

#define INSTILL_REQUIRE_FIXTURE(var, relative)                                                     \
  const ::std::filesystem::path var = ::instill::testing::fixture(relative);                       \
  if (var.empty())                                                                                 \
  GTEST_SKIP() << "SKIPPED: fixture " << (relative) << " not found under " << INSTILL_FIXTURES_DIR \
               << " (the ../shared folder beside the checkout)"

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
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

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

inline std::string instill_binary() { return INSTILL_BINARY; }

inline bool have_python_module(const std::string& module) {
  return run_command("/usr/bin/python3 -c 'import " + module + "'").exit_code == 0;
}

}  // namespace instill::testing

#include "core/python_repr.hpp"
#include "core/value.hpp"
namespace instill {
// gtest printing of Values as Python repr.
inline void PrintTo(const Value& v, std::ostream* os) { *os << python_repr(v); }
}  // namespace instill
