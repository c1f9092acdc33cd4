#pragma once
// Runs tests/train/torch_reference.py (PyTorch, python3-torch) for the training tests.
#include <string>

#include "test_support.hpp"

namespace instill::testing {

inline std::string torch_reference() {
  return std::string(INSTILL_SOURCE_DIR) + "/tests/train/torch_reference.py";
}

// Skips the test (loudly) when python3-torch is missing.
#define INSTILL_REQUIRE_TORCH_ORACLE() INSTILL_REQUIRE_PYTHON_MODULE("torch")

inline CommandResult run_torch_reference(const std::string& args) {
  return run_command("/usr/bin/python3 " + torch_reference() + " " + args);
}

}  // namespace instill::testing
