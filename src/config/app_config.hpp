#pragma once
// Loading an app config the way Modalities does: YAML -> Value, then every ${...}
// resolved with the Modalities resolvers.
#include <filesystem>

#include "config/config_document.hpp"
#include "config/resolvers.hpp"

namespace instill::config {

ConfigDocument load_app_config(const std::filesystem::path& path, ResolverContext context = {});

}  // namespace instill::config
