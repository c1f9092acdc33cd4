#pragma once
// Verbs that need libtorch are built into a second executable, `instill-torch`, installed next
// to `instill`. `instill` lists them in its help and hands such a command line over (exec), so
// the data tools start without loading libtorch's ~290 shared libraries (about 0.45 s a run).
#include <string_view>

namespace instill::cli {

inline constexpr std::string_view kTorchVerbs[] = {
    "run", "chat", "evaluate", "generate_text", "convert_to_hf", "consolidate_checkpoint"};

inline bool is_torch_verb(std::string_view verb) {
  for (auto v : kTorchVerbs)
    if (v == verb) return true;
  return false;
}

// Replaces this process with instill-torch (same arguments); returns only on failure, with
// the exit code to use after printing why.
int exec_torch_binary(int argc, char** argv);

}  // namespace instill::cli
