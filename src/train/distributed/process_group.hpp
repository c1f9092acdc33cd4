#pragma once
// The data-parallel ranks of one training job, connected through libtorch's c10d: a TCPStore
// hosted by rank 0 at MASTER_ADDR:MASTER_PORT for the rendezvous, then a Gloo process group
// (CPU tensors) or, when libtorch has CUDA and NCCL, an NCCL one for CUDA tensors. Every
// collective waits at most the configured timeout and then throws an instill::Error that
// says which operation failed and why, so a crashed or stuck peer never hangs the others.
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/distributed/launch_environment.hpp"

namespace instill::train::distributed {

class ProcessGroupConnection;  // the c10d objects (process_group.cpp)

class DataParallelGroup {
 public:
  // The rendezvous: blocks until all `env.world_size` ranks have joined the store (or the
  // timeout passes). share_from_rank0 works from here on; the collectives after
  // open_collectives.
  DataParallelGroup(const LaunchEnvironment& env, std::chrono::milliseconds timeout);
  // `device` decides the backend: CUDA -> NCCL (when libtorch has it), CPU -> Gloo.
  void open_collectives(const torch::Device& device);
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup&) = delete;
  DataParallelGroup& operator=(const DataParallelGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  const std::string& backend() const { return backend_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  // In place; `what` names the operation in errors ("gradient all-reduce").
  void all_reduce_sum(torch::Tensor& tensor, const std::string& what);
  void broadcast(torch::Tensor& tensor, int root, const std::string& what);
  void barrier(const std::string& what);
  // Small host-side sums (loss accumulators and counters).
  std::vector<double> sum(const std::vector<double>& values, const std::string& what);
  // Rank 0's value on every rank (through the store: strings of any length).
  std::string share_from_rank0(const std::string& key, const std::string& value);

  // Payload bytes this rank has handed to collectives so far (tensor sizes, not wire bytes).
  int64_t payload_bytes() const { return payload_bytes_; }

 private:
  void wait_until_all_joined();
  int rank_ = 0, world_size_ = 1;
  std::string backend_;
  std::chrono::milliseconds timeout_;
  LaunchEnvironment env_;
  torch::Device device_ = torch::kCPU;
  int64_t payload_bytes_ = 0;
  std::unique_ptr<ProcessGroupConnection> connection_;
};

}  // namespace instill::train::distributed
