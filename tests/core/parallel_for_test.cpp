// parallel_for: every index once, exceptions reach the caller, nested and concurrent calls
// work, and repeated calls reuse the same worker threads; resolve_threads turns 0 or -1
// into the core count.
#include "core/parallel_for.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace instill {
namespace {

TEST(core_parallel_for, resolve_threads) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(resolve_threads(3), 3u);
  EXPECT_EQ(resolve_threads(0), cores);
  EXPECT_EQ(resolve_threads(-1), cores);
}

// The persistent pool: every index once, exceptions reach the caller, nested and concurrent
// calls work, and repeated calls reuse the same worker threads.
TEST(core_parallel_for, pool) {
  for (unsigned threads : {1u, 2u, 4u}) {
    for (std::size_t n : {0u, 1u, 17u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_for(n, threads, [&](std::size_t i) { hits[i]++; });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " " << n;
    }
  }
  for (std::size_t grain : {0u, 1u, 5u, 64u}) {
    std::vector<std::atomic<int>> hits(333);
    parallel_for(
        hits.size(), 2, [&](std::size_t i) { hits[i]++; }, grain);
    for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << grain;
  }
  // A short job of slow items is shared: with 16 indices per grab (as once), one thread took
  // all 4 of these while the other idled.
  {
    std::mutex m;
    std::set<std::thread::id> workers;
    parallel_for(4, 2, [&](std::size_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::lock_guard lock(m);
      workers.insert(std::this_thread::get_id());
    });
    EXPECT_EQ(workers.size(), 2u);
  }
  EXPECT_THROW(parallel_for(1000, 3,
                            [](std::size_t i) {
                              if (i == 500) throw std::runtime_error("boom");
                            }),
               std::runtime_error);
  std::atomic<std::size_t> total{0};
  parallel_for(64, 2, [&](std::size_t) {
    parallel_for(64, 2, [&](std::size_t) { total++; });  // nested: runs on its own threads
  });
  EXPECT_EQ(total.load(), 64u * 64u);
  total = 0;
  std::thread other([&] {
    for (int r = 0; r < 50; ++r) parallel_for(200, 2, [&](std::size_t) { total++; });
  });
  for (int r = 0; r < 50; ++r) parallel_for(200, 2, [&](std::size_t) { total++; });
  other.join();
  EXPECT_EQ(total.load(), 2u * 50u * 200u);
  // Worker threads persist: 20 calls with 2 threads see at most 2 distinct threads.
  std::mutex ids_mutex;
  std::set<std::thread::id> ids;
  for (int r = 0; r < 20; ++r) {
    parallel_for(256, 2, [&](std::size_t) {
      std::lock_guard lock(ids_mutex);
      ids.insert(std::this_thread::get_id());
    });
  }
  EXPECT_LE(ids.size(), 2u);
}

}  // namespace
}  // namespace instill
