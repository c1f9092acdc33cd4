#include "config/resolvers.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "core/parallel_for.hpp"

namespace instill::config {

namespace {

std::optional<std::string> system_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

void expect_args(const std::vector<std::string>& args, size_t min, size_t max, const char* usage) {
  if (args.size() < min || args.size() > max)
    throw Error(std::string("expected ") + usage + ", got " + std::to_string(args.size()) +
                " argument(s)");
}

}  // namespace

ResolverSet modalities_resolvers(const ResolverContext& context) {
  auto getenv = context.getenv ? context.getenv : system_getenv;
  ResolverSet set;

  // cuda_env: the rank variables are required integers; anything else is an optional string.
  set.add("cuda_env", [getenv](const std::vector<std::string>& args) -> Value {
    expect_args(args, 1, 1, "one environment variable name");
    const std::string& name = args[0];
    auto value = getenv(name);
    if (name == "LOCAL_RANK" || name == "WORLD_SIZE" || name == "RANK") {
      if (!value)
        throw Error("environment variable " + name +
                    " is not set (launch with torchrun or `instill launch`, or set it, e.g. " +
                    name + "=" + (name == "WORLD_SIZE" ? "1" : "0") + ")");
      try {
        size_t used = 0;
        long long v = std::stoll(*value, &used);
        if (used != value->size()) throw std::invalid_argument("");
        return Value(static_cast<int64_t>(v));
      } catch (const std::exception&) {
        throw Error("environment variable " + name + " must be an integer, got \"" + *value + "\"");
      }
    }
    return value ? Value(*value) : Value();
  });

  set.add("modalities_env", [context](const std::vector<std::string>& args) -> Value {
    expect_args(args, 1, 1, "one variable name");
    const std::string& name = args[0];
    if (name == "config_file_path") return Value(context.config_file_path);
    if (name == "config_folder_path")
      return Value(std::filesystem::path(context.config_file_path).parent_path().string());
    if (name == "experiments_root_path" && context.experiments_root_path)
      return Value(*context.experiments_root_path);
    if (name == "experiment_id" && context.experiment_id) return Value(*context.experiment_id);
    if (name == "experiments_root_path" || name == "experiment_id")
      throw Error("modalities_env:" + name + " is only available to `instill run`");
    throw Error("unknown modalities_env variable \"" + name +
                "\" (known: config_file_path, config_folder_path, experiments_root_path, "
                "experiment_id)");
  });

  const int cpus = static_cast<int>(resolve_threads(context.num_cpus));
  set.add("node_env", [cpus](const std::vector<std::string>& args) -> Value {
    expect_args(args, 1, 1, "one variable name");
    if (args[0] == "num_cpus") return Value(static_cast<int64_t>(cpus));
    return Value();
  });

  set.add("oc.env", [getenv](const std::vector<std::string>& args) -> Value {
    expect_args(args, 1, 2, "a variable name and an optional default");
    if (auto v = getenv(args[0])) return Value(*v);
    if (args.size() == 2) return args[1] == "null" ? Value() : Value(args[1]);
    throw Error("environment variable " + args[0] + " is not set and no default was given");
  });
  return set;
}

}  // namespace instill::config
