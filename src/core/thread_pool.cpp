#include "core/thread_pool.hpp"

namespace lenet5 {
namespace {

// Polls before a thread blocks: a few tens of microseconds (PAUSE takes tens of cycles on current x86).
constexpr int kSpins = 2000;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

int hardware_threads() {
  if (!kThreadsBuilt) return 1;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int threads) {
  const int total = !kThreadsBuilt ? 1 : threads > 0 ? threads : hardware_threads();
  try {
    for (int i = 1; i < total; ++i) workers_.emplace_back([this, i] { work(i); });
  } catch (...) {
    stop();  // the threads that did start, before the exception leaves a half-built pool
    throw;
  }
}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void ThreadPool::run_erased(void* callable, Invoke invoke) {
  if (workers_.empty()) {
    invoke(callable, 0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    callable_ = callable;
    invoke_ = invoke;
    error_ = nullptr;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  std::exception_ptr own_error;
  try {
    invoke(callable, 0);
  } catch (...) {
    own_error = std::current_exception();
  }
  for (int spin = 0; spin < kSpins && pending_.load(std::memory_order_acquire) != 0; ++spin) relax();
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  callable_ = nullptr;
  if (own_error) std::rethrow_exception(own_error);
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::work(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    for (int spin = 0; spin < kSpins && generation_.load(std::memory_order_acquire) == seen; ++spin) relax();
    void* callable;
    Invoke invoke;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      if (stopping_) return;
      seen = generation_.load(std::memory_order_relaxed);
      callable = callable_;
      invoke = invoke_;
    }
    std::exception_ptr error;
    try {
      invoke(callable, index);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (error && !error_) error_ = error;
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.notify_one();
  }
}

}  // namespace lenet5
