#pragma once
// A fixed set of worker threads running one task per thread: run(fn) calls fn(0) … fn(size()-1)
// concurrently (task 0 on the calling thread) and returns when all are done. Task i is always a fixed share
// of the work decided by the caller, so results never depend on scheduling.
//
// A training step hands out work twice within a millisecond or so, so waiting threads spin briefly before
// they sleep: waking a sleeping thread costs tens of microseconds.
//
// A build that cannot start threads (WebAssembly without -pthread, as plain static web hosts require) has a
// pool of the calling thread alone, whatever it is asked for: size() is 1 and run(fn) calls fn(0).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <type_traits>
#include <mutex>
#include <thread>
#include <vector>

namespace lenet5 {

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
inline constexpr bool kThreadsBuilt = false;
#else
inline constexpr bool kThreadsBuilt = true;
#endif

class ThreadPool {
 public:
  // `threads` ≤ 0 means one per hardware thread; without threads built (kThreadsBuilt), always 1.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls task(0) … task(size() − 1), one per thread. Rethrows the first exception a task threw, after all
  // tasks finished. The task is referred to, never copied: handing out work allocates nothing. One caller
  // at a time: run is not re-entrant.
  template <class Task>
  void run(Task&& task) {
    using Callable = std::remove_reference_t<Task>;
    run_erased(const_cast<void*>(static_cast<const void*>(&task)),
               [](void* callable, int index) { (*static_cast<Callable*>(callable))(index); });
  }

 private:
  using Invoke = void (*)(void* callable, int index);
  void run_erased(void* callable, Invoke invoke);
  void work(int index);
  void stop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  void* callable_ = nullptr;
  Invoke invoke_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  bool stopping_ = false;
  std::exception_ptr error_;
};

// 1 without threads built.
int hardware_threads();

}  // namespace lenet5
