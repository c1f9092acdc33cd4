#include "train/distributed/launch_environment.hpp"

#include <charconv>
#include <cstdlib>

#include "core/error.hpp"

namespace instill::train::distributed {

std::optional<std::string> process_env(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

namespace {

int64_t parse_integer(const std::string& name, const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty())
    throw Error("environment variable " + name + "=\"" + text + "\": expected an integer");
  return value;
}

struct VariableNames {
  const char* launcher;
  const char* rank;
  const char* world_size;
  const char* local_rank;
};

// First match wins: an explicit torchrun-style environment overrides the scheduler's.
constexpr VariableNames kLaunchers[] = {
    {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"},
    {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
    {"mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
};

}  // namespace

LaunchEnvironment read_launch_environment(const GetEnv& getenv) {
  LaunchEnvironment env;
  for (const auto& names : kLaunchers) {
    auto rank = getenv(names.rank);
    auto world = getenv(names.world_size);
    if (!rank && !world) continue;
    if (!rank || !world)
      throw Error(std::string("environment: ") + (rank ? names.rank : names.world_size) +
                  " is set but " + (rank ? names.world_size : names.rank) +
                  " is not; a launcher sets both");
    env.launcher = names.launcher;
    env.rank = static_cast<int>(parse_integer(names.rank, *rank));
    env.world_size = static_cast<int>(parse_integer(names.world_size, *world));
    if (env.world_size < 1)
      throw Error(std::string("environment variable ") + names.world_size + "=" + *world +
                  ": expected a world size of at least 1");
    if (env.rank < 0 || env.rank >= env.world_size)
      throw Error(std::string("environment variable ") + names.rank + "=" + *rank +
                  ": expected a rank in [0, " + std::to_string(env.world_size) + ")");
    if (auto local = getenv(names.local_rank))
      env.local_rank = static_cast<int>(parse_integer(names.local_rank, *local));
    else
      env.local_rank = env.world_size == 1 ? 0 : env.rank;  // one node is the common case
    break;
  }
  if (auto addr = getenv("MASTER_ADDR"); addr && !addr->empty()) env.master_addr = *addr;
  if (auto port = getenv("MASTER_PORT")) {
    const int64_t p = parse_integer("MASTER_PORT", *port);
    if (p < 1 || p > 65535)
      throw Error("environment variable MASTER_PORT=" + *port + ": expected a port in 1..65535");
    env.master_port = static_cast<int>(p);
  }
  return env;
}

std::chrono::milliseconds collective_timeout(const GetEnv& getenv) {
  auto text = getenv("INSTILL_COLLECTIVE_TIMEOUT_S");
  if (!text) return std::chrono::seconds(300);
  char* end = nullptr;
  const double seconds = std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size() || !(seconds > 0))
    throw Error("environment variable INSTILL_COLLECTIVE_TIMEOUT_S=\"" + *text +
                "\": expected a positive number of seconds");
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::optional<std::string> cuda_env_value(const LaunchEnvironment& env, const std::string& name,
                                          const GetEnv& getenv) {
  if (name == "RANK") return std::to_string(env.rank);
  if (name == "WORLD_SIZE") return std::to_string(env.world_size);
  if (name == "LOCAL_RANK") return std::to_string(env.local_rank);
  return getenv(name);
}

}  // namespace instill::train::distributed
