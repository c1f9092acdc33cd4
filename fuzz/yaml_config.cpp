// Configs are shared between users: YAML loading and ${...} interpolation must turn any text
// into instill::Error or a resolved document, never a crash, a hang or unbounded memory.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/interpolation.hpp"
#include "config/resolvers.hpp"
#include "config/yaml_loader.hpp"
#include "core/error.hpp"

namespace {

// Modalities' resolvers with a fixed environment, so a run does not depend on the machine.
instill::config::ResolverSet make_resolvers() {
  instill::config::ResolverContext context;
  context.config_file_path = "fuzz/config.yaml";
  context.experiments_root_path = "fuzz/experiments";
  context.experiment_id = "fuzz";
  context.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/fuzz";
    return std::nullopt;
  };
  context.num_cpus = 2;
  return instill::config::modalities_resolvers(context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const instill::config::ResolverSet resolvers = make_resolvers();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto document = instill::config::load_yaml_string(text, "fuzz/config.yaml");
    instill::config::resolve_interpolations(document, resolvers);
  } catch (const instill::Error&) {
  }
  return 0;
}
