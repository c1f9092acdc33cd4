#include "config/app_config.hpp"

#include "config/interpolation.hpp"
#include "config/yaml_loader.hpp"

namespace instill::config {

ConfigDocument load_app_config(const std::filesystem::path& path, ResolverContext context) {
  ConfigDocument doc = load_yaml_file(path);
  if (context.config_file_path.empty()) context.config_file_path = path.string();
  resolve_interpolations(doc, modalities_resolvers(context));
  return doc;
}

}  // namespace instill::config
