#include "train/distributed/process_group.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <sstream>
#include <thread>

#include "core/error.hpp"

// Torch's CMake config defines USE_C10D_GLOO (and USE_C10D_NCCL for CUDA builds with NCCL).
#ifndef USE_C10D_GLOO
#error "data-parallel training needs a libtorch built with Gloo (USE_C10D_GLOO)"
#endif

namespace instill::train::distributed {

class ProcessGroupConnection {
 public:
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
};

namespace {

std::string seconds_text(std::chrono::milliseconds t) {
  std::ostringstream os;
  os << static_cast<double>(t.count()) / 1000.0 << " s";
  return os.str();
}

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

// Gloo needs a local interface to listen on: the loopback one for single-node jobs on
// 127.0.0.1, GLOO_SOCKET_IFNAME when set (as in PyTorch), else the host name's address.
std::shared_ptr<::gloo::transport::Device> gloo_device(const LaunchEnvironment& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(env.master_addr))
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

DataParallelGroup::DataParallelGroup(const LaunchEnvironment& env,
                                     std::chrono::milliseconds timeout)
    : rank_(env.rank),
      world_size_(env.world_size),
      timeout_(timeout),
      env_(env),
      connection_(std::make_unique<ProcessGroupConnection>()) {
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = rank_ == 0;
    options.numWorkers = static_cast<std::size_t>(world_size_);
    options.waitWorkers = true;
    options.timeout = timeout;
    connection_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    wait_until_all_joined();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("data-parallel rendezvous of rank " + std::to_string(rank_) + "/" +
                std::to_string(world_size_) + " at " + env.master_addr + ":" +
                std::to_string(env.master_port) + " (" + env.launcher + ") failed: " + e.what() +
                ". Rank 0 hosts the rendezvous: it must be running (did it exit?), and every rank "
                "needs the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE; the wait is bounded by "
                "INSTILL_COLLECTIVE_TIMEOUT_S (" +
                seconds_text(timeout) + ")");
  }
}

// The store's own wait for its clients does not fail on a timeout in every libtorch version,
// so every rank counts itself in and waits for the others explicitly.
void DataParallelGroup::wait_until_all_joined() {
  const std::string key = "instill/joined";
  connection_->store->add(key, 1);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const int64_t joined = connection_->store->add(key, 0);
    if (joined >= world_size_) return;
    if (std::chrono::steady_clock::now() > deadline)
      throw Error("data-parallel rendezvous of rank " + std::to_string(rank_) + "/" +
                  std::to_string(world_size_) + " at " + env_.master_addr + ":" +
                  std::to_string(env_.master_port) + ": only " + std::to_string(joined) + " of " +
                  std::to_string(world_size_) + " ranks joined within " + seconds_text(timeout_) +
                  " (INSTILL_COLLECTIVE_TIMEOUT_S); did every rank start, with the same "
                  "MASTER_ADDR/MASTER_PORT and WORLD_SIZE?");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void DataParallelGroup::open_collectives(const torch::Device& device) {
  device_ = device;
  const LaunchEnvironment& env = env_;
  const auto timeout = timeout_;
  try {
    auto store = c10::make_intrusive<c10d::PrefixStore>("instill/dp", connection_->store);
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
      auto nccl = c10d::ProcessGroupNCCL::Options::create();
      nccl->timeout = timeout;
      connection_->group =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank_, world_size_, nccl);
      backend_ = "nccl";
#else
      throw Error("this libtorch has no NCCL support, so data-parallel training on " +
                  device.str() + " is not available; run with --device cpu (Gloo)");
#endif
    } else {
      auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
      gloo->devices.push_back(gloo_device(env));
      connection_->group =
          c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank_, world_size_, gloo);
      backend_ = "gloo";
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("data-parallel rank " + std::to_string(rank_) + ": connecting the " +
                (device.is_cuda() ? "NCCL" : "Gloo") + " process group failed within " +
                seconds_text(timeout) + " (INSTILL_COLLECTIVE_TIMEOUT_S): " + e.what());
  }
}

DataParallelGroup::~DataParallelGroup() = default;

namespace {

void require_open(const ProcessGroupConnection& c) {
  if (!c.group) throw std::logic_error("DataParallelGroup: open_collectives was not called");
}

void wait_for(const c10::intrusive_ptr<c10d::Work>& work, int rank,
              std::chrono::milliseconds timeout, const std::string& what) {
  try {
    work->wait(timeout);
  } catch (const std::exception& e) {
    throw Error("data-parallel rank " + std::to_string(rank) + ": " + what +
                " failed: another rank crashed or did not answer within " + seconds_text(timeout) +
                " (INSTILL_COLLECTIVE_TIMEOUT_S): " + e.what());
  }
}

}  // namespace

void DataParallelGroup::all_reduce_sum(torch::Tensor& tensor, const std::string& what) {
  require_open(*connection_);
  std::vector<at::Tensor> tensors{tensor};
  payload_bytes_ += tensor.numel() * tensor.element_size();
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  options.timeout = timeout_;
  wait_for(connection_->group->allreduce(tensors, options), rank_, timeout_, what);
}

void DataParallelGroup::broadcast(torch::Tensor& tensor, int root, const std::string& what) {
  require_open(*connection_);
  std::vector<at::Tensor> tensors{tensor};
  payload_bytes_ += tensor.numel() * tensor.element_size();
  c10d::BroadcastOptions options;
  options.rootRank = root;
  options.timeout = timeout_;
  wait_for(connection_->group->broadcast(tensors, options), rank_, timeout_, what);
}

void DataParallelGroup::barrier(const std::string& what) {
  require_open(*connection_);
  c10d::BarrierOptions options;
  options.timeout = timeout_;
  wait_for(connection_->group->barrier(options), rank_, timeout_, what);
}

std::vector<double> DataParallelGroup::sum(const std::vector<double>& values,
                                           const std::string& what) {
  torch::Tensor t = torch::tensor(values, torch::kFloat64).to(device_);
  all_reduce_sum(t, what);
  t = t.cpu();
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

std::string DataParallelGroup::share_from_rank0(const std::string& key, const std::string& value) {
  const std::string full_key = "instill/share/" + key;
  try {
    if (rank_ == 0) {
      connection_->store->set(full_key, std::vector<uint8_t>(value.begin(), value.end()));
      return value;
    }
    const auto bytes = connection_->store->get(full_key);  // waits up to the store timeout
    return {bytes.begin(), bytes.end()};
  } catch (const std::exception& e) {
    throw Error("data-parallel rank " + std::to_string(rank_) + ": receiving \"" + key +
                "\" from rank 0 failed within " + seconds_text(timeout_) + ": " + e.what());
  }
}

}  // namespace instill::train::distributed
