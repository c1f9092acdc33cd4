#pragma once
// Each CLI verb lives in its own cmd_<name>.cpp and registers itself with
// INSTILL_COMMAND; main.cpp knows none of them. A verb's setup function adds its
// subcommand (under "data" for the data tools) and sets the callback that runs it.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace instill::cli {

using CommandSetup = std::function<void(CLI::App& root)>;

struct CommandRegistration {
  std::string name;
  CommandSetup setup;
};

std::vector<CommandRegistration>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(std::string name, CommandSetup setup) {
    command_registry().push_back({std::move(name), std::move(setup)});
  }
};

// The `data` group ("instill data create_raw_index ..."), created on first use.
CLI::App& data_group(CLI::App& root);

}  // namespace instill::cli

#define INSTILL_CONCAT_INNER(a, b) a##b
#define INSTILL_CONCAT(a, b) INSTILL_CONCAT_INNER(a, b)
#define INSTILL_COMMAND(name, setup_fn) \
  static ::instill::cli::CommandRegistrar INSTILL_CONCAT(instill_cmd_, __LINE__)(name, setup_fn)
