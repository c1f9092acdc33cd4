#include "core/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace instill {
namespace {

// Indices are handed out up to kMaxChunk at a time (fewer shared-counter updates for cheap
// items), but never so many that one thread takes most of a short job: with 17 items and
// chunks of 16, one thread would do 16 of them.
constexpr std::size_t kMaxChunk = 16;
constexpr std::size_t kChunksPerThread = 4;

// One parallel_for job: fn over [0, n) handed out `chunk` indices at a time.
struct Job {
  const std::function<void(std::size_t)>* fn = nullptr;
  std::size_t n = 0;
  std::size_t chunk = 1;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;

  void work() {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t begin = next.fetch_add(chunk);
      if (begin >= n) return;
      const std::size_t end = std::min(n, begin + chunk);
      try {
        for (std::size_t i = begin; i < end; ++i) (*fn)(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  }
};

// Set on pool workers, and on a caller while it runs a job: a nested parallel_for must not
// wait for the pool it is part of.
thread_local bool t_in_pool_job = false;

// Worker threads that outlive a parallel_for call, so that their thread_local state (scratch
// buffers, per-thread libjq programs, ...) survives from one batch to the next and no thread
// is started per batch. Never destroyed: idle workers just wait until the process exits.
class Pool {
 public:
  static Pool& instance() {
    static Pool* const pool = new Pool;
    return *pool;
  }

  // Runs job on the caller and `helpers` workers; false when the pool is busy (another
  // thread's parallel_for is running), in which case nothing ran.
  bool run(Job& job, unsigned helpers) {
    std::unique_lock busy(run_mutex_, std::try_to_lock);
    if (!busy) return false;
    {
      std::lock_guard lock(mutex_);
      while (workers_.size() < helpers) {
        const auto index = static_cast<unsigned>(workers_.size());
        workers_.emplace_back([this, index] { worker(index); });
      }
      job_ = &job;
      wanted_ = helpers;
      active_ = helpers;
      ++generation_;
    }
    wake_.notify_all();
    t_in_pool_job = true;
    job.work();
    t_in_pool_job = false;
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return active_ == 0; });
    job_ = nullptr;
    return true;
  }

 private:
  void worker(unsigned index) {
    t_in_pool_job = true;
    uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen && index < wanted_; });
      seen = generation_;
      Job* job = job_;
      lock.unlock();
      job->work();
      lock.lock();
      if (--active_ == 0) done_.notify_one();
    }
  }

  std::mutex run_mutex_;  // one job at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  Job* job_ = nullptr;
  unsigned wanted_ = 0;  // workers 0..wanted_-1 take part in the current job
  unsigned active_ = 0;  // of those, how many have not finished it
  uint64_t generation_ = 0;
};

// Fallback when the pool is busy or parallel_for is nested: threads for this call only.
void run_with_own_threads(Job& job, unsigned helpers) {
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  for (unsigned t = 0; t < helpers; ++t) threads.emplace_back([&job] { job.work(); });
  job.work();
  for (auto& t : threads) t.join();
}

}  // namespace

unsigned resolve_threads(std::int64_t requested) {
  if (requested > 0) return static_cast<unsigned>(std::min<std::int64_t>(requested, UINT_MAX));
  return std::max(1u, std::thread::hardware_concurrency());
}

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                  std::size_t grain) {
  threads = static_cast<unsigned>(std::min<std::size_t>(resolve_threads(threads), n));
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  job.chunk = grain > 0 ? grain
                        : std::clamp<std::size_t>(n / (std::size_t{threads} * kChunksPerThread), 1,
                                                  kMaxChunk);
  if (t_in_pool_job || !Pool::instance().run(job, threads - 1)) {
    run_with_own_threads(job, threads - 1);
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace instill
