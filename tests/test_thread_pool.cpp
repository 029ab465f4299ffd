// The thread pool: every task runs once per call, exceptions come back to the caller, and it can be reused.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/thread_pool.hpp"

namespace lenet5 {
namespace {

TEST(ThreadPool, RunsEachTaskOncePerCallManyTimes) {
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    std::vector<std::atomic<int>> counts(threads);
    for (int round = 0; round < 2000; ++round) pool.run([&](int task) { counts[task].fetch_add(1); });
    for (int t = 0; t < threads; ++t) EXPECT_EQ(counts[t].load(), 2000) << threads << " threads, task " << t;
  }
}

TEST(ThreadPool, ExceptionsReachTheCallerAfterEveryTaskFinished) {
  ThreadPool pool(3);
  for (int thrower : {0, 2}) {  // the calling thread's task, and a worker's
    std::atomic<int> finished{0};
    EXPECT_THROW(pool.run([&](int task) {
      if (task == thrower) throw std::runtime_error("task failed");
      finished.fetch_add(1);
    }),
                 std::runtime_error);
    EXPECT_EQ(finished.load(), 2) << "thrower " << thrower;
  }
  std::atomic<int> after{0};
  pool.run([&](int) { after.fetch_add(1); });  // still usable
  EXPECT_EQ(after.load(), 3);
}

}  // namespace
}  // namespace lenet5
