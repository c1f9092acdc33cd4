#pragma once
// Where this process sits in a data-parallel job, read from the environment a launcher sets:
// torchrun / `instill launch` (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT),
// SLURM (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID) or Open MPI's mpirun
// (OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK). Without any of them: one process, rank 0.
// Torch-free, so the launcher and the config resolvers share it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace instill::train::distributed {

using GetEnv = std::function<std::optional<std::string>(const std::string& name)>;

// std::getenv as a GetEnv.
std::optional<std::string> process_env(const std::string& name);

struct LaunchEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "none";  // "torchrun", "slurm", "mpirun" or "none"

  bool distributed() const { return world_size > 1; }
};

// Throws instill::Error naming the variable when one is malformed or inconsistent
// (rank outside [0, world size), a partial set, a port outside 1..65535).
LaunchEnvironment read_launch_environment(const GetEnv& getenv = process_env);

// Timeout for the rendezvous and every collective: INSTILL_COLLECTIVE_TIMEOUT_S (seconds,
// > 0), default 300 s. A rank that crashes or stops answering makes the others fail after it.
std::chrono::milliseconds collective_timeout(const GetEnv& getenv = process_env);

// Value for ${cuda_env:NAME} (RANK, LOCAL_RANK, WORLD_SIZE) from the launch environment, so
// configs resolve the same under torchrun, SLURM, mpirun or a single process.
std::optional<std::string> cuda_env_value(const LaunchEnvironment& env, const std::string& name,
                                          const GetEnv& getenv = process_env);

}  // namespace instill::train::distributed
