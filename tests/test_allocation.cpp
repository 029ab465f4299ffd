// Training allocates its buffers once: further steps allocate nothing (counted through operator new, which
// this file replaces for the whole test binary; counting changes nothing else).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/rng.hpp"
#include "lenet5/model.hpp"
#include "lenet5/train.hpp"

namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* memory = std::malloc(size ? size : 1)) return memory;
  throw std::bad_alloc();
}
// GCC warns that free() receives memory from operator new: this file's operator new took it from malloc.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace lenet5 {
namespace {

long allocations_to_train(const Dataset& data, int epochs, OptimizerKind optimizer, int threads) {
  Model model = initialize_model(modern_preset(), 1);
  TrainOptions options;
  options.epochs = epochs;
  options.batch = 32;
  options.optimizer = optimizer;
  options.threads = threads;
  const long before = allocations.load();
  train(model, data, nullptr, options);
  return allocations.load() - before;
}

TEST(Allocation, TrainingStepsAllocateNothing) {
  Dataset data;
  data.count = 320;
  data.rows = data.cols = 28;
  Rng rng(3);
  for (std::size_t i = 0; i < data.count * 784; ++i) data.images.push_back(std::uint8_t(rng.below(256)));
  for (std::size_t i = 0; i < data.count; ++i) data.labels.push_back(std::uint8_t(i % 10));
  for (int threads : {1, 2})
    for (OptimizerKind optimizer : {OptimizerKind::adam, OptimizerKind::sgd}) {
      // 10 steps against 30: any allocation per step or per epoch shows as a difference.
      EXPECT_EQ(allocations_to_train(data, 1, optimizer, threads), allocations_to_train(data, 3, optimizer, threads))
          << to_string(optimizer) << ", " << threads << " threads";
    }
}

}  // namespace
}  // namespace lenet5
