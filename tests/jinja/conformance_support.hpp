#pragma once
// Shared by the conformance tests: the corpus (templates × contexts), the Python oracle run
// in batch mode, and the byte-for-byte comparison.
#include <string>
#include <vector>

namespace instill::jinja::testing {

struct NamedText {
  std::string name;
  std::string text;
};

// Files of a directory with the given extension, sorted by name.
std::vector<NamedText> read_dir(const std::string& dir, const std::string& extension);

struct OracleResult {
  bool ok = false;
  std::string text;   // rendering when ok
  std::string error;  // "ExceptionType: message" otherwise
};
// Renders every template × context with Python Jinja2 (tests/jinja/jinja_oracle.py).
std::vector<OracleResult> run_oracle(const std::vector<NamedText>& templates,
                                     const std::vector<NamedText>& contexts);

struct ConformanceReport {
  int cases = 0;
  int identical = 0;
  int rejected_by_both = 0;           // counted in `identical`: both raised the same kind of error
  std::vector<std::string> failures;  // one line per mismatch
};
// Renders the same cases with the C++ engine and compares with the oracle.
ConformanceReport compare_with_oracle(const std::vector<NamedText>& templates,
                                      const std::vector<NamedText>& contexts);

}  // namespace instill::jinja::testing
