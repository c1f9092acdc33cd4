// instill: command-line entry point. Verbs register themselves (command.hpp); this file
// only builds the CLI11 tree and maps errors to exit codes (0 ok, 1 data/runtime, 2 usage).
#include <algorithm>
#include <iostream>

#include "cli/command.hpp"
#include "cli/torch_verbs.hpp"
#include "core/error.hpp"

#ifndef INSTILL_VERSION
#define INSTILL_VERSION "0.0.0"
#endif

namespace instill::cli {

std::vector<CommandRegistration>& command_registry() {
  static std::vector<CommandRegistration> registry;
  return registry;
}

CLI::App& data_group(CLI::App& root) {
  for (auto* sub : root.get_subcommands([](CLI::App* a) { return a->get_name() == "data"; }))
    return *sub;
  auto* data =
      root.add_subcommand("data", "Data tools: raw index, packing, instruction-tuning preparation");
  data->require_subcommand(1);
  return *data;
}

}  // namespace instill::cli

int main(int argc, char** argv) {
  using namespace instill;
#ifndef INSTILL_TORCH_BINARY
  if (argc >= 2 && cli::is_torch_verb(argv[1])) return cli::exec_torch_binary(argc, argv);
#endif
  CLI::App app{"instill: instruction tuning of language models, compatible with Modalities"};
  app.name("instill");  // also when instill-torch runs a verb handed over by instill
  app.set_version_flag("--version", std::string("instill ") + INSTILL_VERSION);
  app.require_subcommand(1);
  auto registry = cli::command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& reg : registry) reg.setup(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 runs the callbacks inside parse(); only genuine usage errors get here.
    std::cerr << "instill: " << e.what() << "\n";
    std::cerr << "Run with --help for usage.\n";
    return 2;
  } catch (const instill::Error& e) {
    std::cerr << "instill: error: " << e.what() << "\n";
    return e.kind() == ErrorKind::kUsage ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "instill: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
