#include "data/cleanup.hpp"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>

namespace instill::data {

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);  // usable from a signal handler
std::mutex g_mutex;
int g_depth = 0;
struct sigaction g_previous[3];

void on_signal(int sig) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, sig) && expected == sig) {
    ::signal(sig, SIG_DFL);  // asked twice: stop now
    ::raise(sig);
  }
}

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

}  // namespace

Interrupted::Interrupted(int sig)
    : Error("interrupted by " + signal_name(sig) + "; its temporary files were removed"),
      signal(sig) {}

InterruptGuard::InterruptGuard() {
  std::lock_guard lock(g_mutex);
  if (g_depth++ > 0) return;
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &action, &g_previous[i]);
}

InterruptGuard::~InterruptGuard() {
  std::lock_guard lock(g_mutex);
  if (--g_depth > 0) return;
  g_signal = 0;  // the Interrupted exception carries the signal from here on
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

void throw_if_interrupted() {
  if (const int sig = g_signal.load(std::memory_order_relaxed)) throw Interrupted(sig);
}

void die_by_signal(int sig) {
  ::signal(sig, SIG_DFL);
  ::raise(sig);
  ::_exit(128 + sig);
}

CreatedDirectories::CreatedDirectories(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir.lexically_normal(); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (fs::create_directory(*it, ec)) created_.push_back(*it);
    if (ec) throw Error(it->string() + ": cannot create directory: " + ec.message());
  }
}

CreatedDirectories::~CreatedDirectories() {
  std::error_code ec;
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) std::filesystem::remove(*it, ec);
}

}  // namespace instill::data
