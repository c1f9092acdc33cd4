#pragma once
// The resolvers Modalities registers on every config load (spec §2.3), plus OmegaConf's
// oc.env. Environment lookups go through a function so tests can supply their own.
#include <functional>
#include <optional>
#include <string>

#include "config/interpolation.hpp"

namespace instill::config {

struct ResolverContext {
  std::string config_file_path;                      // as given on the command line
  std::optional<std::string> experiments_root_path;  // training only
  std::optional<std::string> experiment_id;          // training only
  std::function<std::optional<std::string>(const std::string&)> getenv;  // default: ::getenv
  int num_cpus = 0;                                                      // 0: detect
};

ResolverSet modalities_resolvers(const ResolverContext& context);

}  // namespace instill::config
