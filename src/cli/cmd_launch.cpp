// instill launch --nproc_per_node N [--nnodes M --node_rank R --master_addr A --master_port P]
//                [--stop_grace_s S] -- run --config_file_path C ...
// Starts the local workers of a data-parallel job (torchrun's role, for users without it):
// each is this same instill binary with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR and MASTER_PORT set. Their output lines are prefixed "[rank R] ", SIGINT and
// SIGTERM are passed on, and when one worker fails the others are stopped (SIGTERM, then
// SIGKILL after the grace period) and launch exits non-zero naming the worker and its status.
// Needs no libtorch: it only starts processes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.hpp"
#include "core/error.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double stop_grace_s = 5;
  std::vector<std::string> command;
};

volatile sig_atomic_t g_pending_signal = 0;
void remember_signal(int sig) { g_pending_signal = sig; }

// One output stream of one worker, passed on line by line with the rank prefix.
struct PrefixedStream {
  int fd = -1;
  int target = STDOUT_FILENO;
  std::string prefix, pending;

  void write_all(const std::string& text) const {
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(target, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // our own output is gone; keep supervising anyway
      done += static_cast<size_t>(n);
    }
  }
  // Reads what is available (the pipe is non-blocking); returns false when nothing was read.
  bool pump() {
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return false;
    if (n <= 0) {
      flush_partial();
      ::close(fd);
      fd = -1;
      return false;
    }
    pending.append(buf, static_cast<size_t>(n));
    std::string out;
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
      out += prefix + pending.substr(start, nl + 1 - start);
    pending.erase(0, start);
    if (!out.empty()) write_all(out);
    return true;
  }
  // After the worker exited everything it wrote is in the pipe: pass it all on now, so its
  // last words come before the launcher's verdict.
  void drain() {
    while (fd >= 0 && pump()) {
    }
    flush_partial();
  }
  void flush_partial() {
    if (!pending.empty()) write_all(prefix + pending + "\n");
    pending.clear();
  }
};

struct Worker {
  int rank = 0;
  pid_t pid = -1;
  bool running = true;
  int status = 0;
  PrefixedStream out, err;
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("signal ") + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  return "status " + std::to_string(status);
}

bool failed(int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; }

int exit_code_for(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::filesystem::path this_executable() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw instill::Error("instill launch: cannot find its own executable (/proc/self/exe)");
  return self;
}

Worker start_worker(const LaunchOptions& o, int local_rank, const std::string& exe) {
  Worker w;
  w.rank = o.node_rank * o.nproc_per_node + local_rank;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK) != 0 ||
      ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK) != 0)
    throw instill::Error(std::string("instill launch: pipe: ") + std::strerror(errno));
  const int world = o.nnodes * o.nproc_per_node;
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<std::string> env_settings = {"RANK=" + std::to_string(w.rank),
                                           "WORLD_SIZE=" + std::to_string(world),
                                           "LOCAL_RANK=" + std::to_string(local_rank),
                                           "LOCAL_WORLD_SIZE=" + std::to_string(o.nproc_per_node),
                                           "GROUP_RANK=" + std::to_string(o.node_rank),
                                           "MASTER_ADDR=" + o.master_addr,
                                           "MASTER_PORT=" + std::to_string(o.master_port)};
  // As torchrun: one thread per worker unless the user chose, so N workers do not
  // oversubscribe the cores.
  const bool set_threads = !std::getenv("OMP_NUM_THREADS") && o.nproc_per_node > 1;
  std::vector<std::string> argv_store{exe};
  argv_store.insert(argv_store.end(), o.command.begin(), o.command.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) throw instill::Error(std::string("instill launch: fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group: stopping it stops whatever it started
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    for (auto& e : env_settings) ::putenv(e.data());
    if (set_threads) ::setenv("OMP_NUM_THREADS", "1", 1);
    ::execv(exe.c_str(), argv.data());
    const char msg[] = "instill launch: cannot execute the worker\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  w.pid = pid;
  const std::string prefix = "[rank " + std::to_string(w.rank) + "] ";
  w.out = PrefixedStream{out_pipe[0], STDOUT_FILENO, prefix, {}};
  w.err = PrefixedStream{err_pipe[0], STDERR_FILENO, prefix, {}};
  return w;
}

void signal_all(std::vector<Worker>& workers, int sig) {
  for (auto& w : workers)
    if (w.running) ::kill(-w.pid, sig);
}

int supervise(std::vector<Worker>& workers, const LaunchOptions& o) {
  std::optional<size_t> first_failure;
  int forwarded_signal = 0;
  std::optional<Clock::time_point> kill_deadline;
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(o.stop_grace_s * 1000));
  auto stop_others = [&] {
    signal_all(workers, SIGTERM);
    if (!kill_deadline) kill_deadline = Clock::now() + grace;
  };

  for (;;) {
    std::vector<pollfd> fds;
    std::vector<PrefixedStream*> streams;
    for (auto& w : workers)
      for (PrefixedStream* s : {&w.out, &w.err})
        if (s->fd >= 0) {
          fds.push_back({s->fd, POLLIN, 0});
          streams.push_back(s);
        }
    bool any_running = false;
    for (auto& w : workers) any_running |= w.running;
    if (!any_running && fds.empty()) break;

    if (!fds.empty()) {
      const int ready = ::poll(fds.data(), fds.size(), 100);
      for (size_t i = 0; ready > 0 && i < fds.size(); ++i)
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) streams[i]->pump();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    if (const int sig = g_pending_signal) {
      g_pending_signal = 0;
      forwarded_signal = sig;
      std::cerr << "instill launch: received signal " << sig << " (" << ::strsignal(sig)
                << "); passing it to the workers\n";
      signal_all(workers, sig);
      if (!kill_deadline) kill_deadline = Clock::now() + grace;
    }

    for (size_t i = 0; i < workers.size(); ++i) {
      Worker& w = workers[i];
      if (!w.running) continue;
      int status = 0;
      const pid_t r = ::waitpid(w.pid, &status, WNOHANG);
      if (r != w.pid) continue;
      w.running = false;
      w.status = status;
      w.out.drain();
      w.err.drain();
      if (failed(status) && !first_failure && !forwarded_signal) {
        first_failure = i;
        std::cerr << "instill launch: worker rank " << w.rank << " (pid " << w.pid
                  << ") failed with " << describe_status(status)
                  << "; stopping the other workers\n";
        stop_others();
      }
    }
    if (kill_deadline && Clock::now() > *kill_deadline) {
      signal_all(workers, SIGKILL);
      kill_deadline = Clock::now() + std::chrono::hours(1);  // once
    }
  }

  if (first_failure) {
    const Worker& w = workers[*first_failure];
    std::cerr << "instill launch: error: worker rank " << w.rank << " failed with "
              << describe_status(w.status) << " (see its [rank " << w.rank << "] lines above)\n";
    return exit_code_for(w.status);
  }
  if (forwarded_signal) return 128 + forwarded_signal;
  return 0;
}

void setup(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "launch",
      "Start the local workers of a data-parallel job (like torchrun): instill launch "
      "--nproc_per_node N -- run --config_file_path C ...");
  auto o = std::make_shared<LaunchOptions>();
  cmd->add_option("--nproc_per_node", o->nproc_per_node, "Worker processes on this node")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--nnodes", o->nnodes, "Nodes in the job")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd->add_option("--node_rank", o->node_rank, "This node's index in [0, nnodes)")
      ->capture_default_str();
  cmd->add_option("--master_addr", o->master_addr, "Address of the node running rank 0")
      ->capture_default_str();
  cmd->add_option("--master_port", o->master_port, "Free TCP port on the rank-0 node")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--stop_grace_s", o->stop_grace_s,
                  "Seconds between SIGTERM and SIGKILL when stopping workers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("command", o->command, "The instill command each worker runs (after --)")
      ->required();
  cmd->callback([o] {
    if (o->node_rank < 0 || o->node_rank >= o->nnodes)
      throw instill::UsageError("--node_rank " + std::to_string(o->node_rank) +
                                ": expected a value in [0, --nnodes=" + std::to_string(o->nnodes) +
                                ")");
    if (o->command.front() == "launch")
      throw instill::UsageError("instill launch: the worker command cannot be launch itself");
    const std::string exe = this_executable().string();
    struct sigaction sa {};
    sa.sa_handler = remember_signal;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    std::cout.flush();
    std::vector<Worker> workers;
    try {
      for (int i = 0; i < o->nproc_per_node; ++i) workers.push_back(start_worker(*o, i, exe));
    } catch (...) {
      signal_all(workers, SIGKILL);
      throw;
    }
    const int code = supervise(workers, *o);
    if (code != 0) std::exit(code);
  });
}

INSTILL_COMMAND("launch", setup);

}  // namespace
