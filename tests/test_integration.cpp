// Training on real MNIST: a short run must learn, and training must be reproducible. Skips when the
// dataset is absent (set LENET5_DATA, or keep ../shared/data/mnist beside the repository).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/model.hpp"
#include "lenet5/train.hpp"

namespace lenet5 {
namespace {

std::string mnist_dir() {
  if (const char* env = std::getenv("LENET5_DATA"); env && *env) return env;
  return LENET5_SOURCE_DIR "/../shared/data/mnist";
}

bool has_mnist() { return std::filesystem::exists(mnist_dir()); }

TEST(Integration, OneEpochOnTenThousandImagesReaches95Percent) {
  if (!has_mnist()) GTEST_SKIP() << "SKIPPED: MNIST not found at " << mnist_dir() << " (set LENET5_DATA)";
  const Dataset train_data = load_mnist(mnist_dir(), Split::train).head(10000);
  const Dataset test_data = load_mnist(mnist_dir(), Split::test);
  TrainOptions options;
  options.epochs = 1;
  options.batch = 16;  // one short epoch needs more, smaller steps than the full-run default (64 gives 94.99 %)
  Model model = initialize_model(modern_preset(), options.seed);
  train(model, train_data, nullptr, options);
  const double accuracy = evaluate(model, test_data).accuracy;
  RecordProperty("test_accuracy", std::to_string(accuracy));
  EXPECT_GE(accuracy, 0.95);
}

TEST(Integration, SameSeedAndThreadsGiveBitIdenticalModels) {
  if (!has_mnist()) GTEST_SKIP() << "SKIPPED: MNIST not found at " << mnist_dir() << " (set LENET5_DATA)";
  const Dataset train_data = load_mnist(mnist_dir(), Split::train).head(3000);
  TrainOptions options;
  options.epochs = 2;
  options.threads = 2;
  const auto run = [&](std::uint64_t seed) {
    options.seed = seed;
    Model model = initialize_model(modern_preset(), seed);
    train(model, train_data, nullptr, options);
    return model.parameters;
  };
  const auto first = run(5), again = run(5), other = run(6);
  ASSERT_EQ(first.size(), again.size());
  EXPECT_EQ(std::memcmp(first.data(), again.data(), first.size() * sizeof(float)), 0) << "not bit-identical";
  EXPECT_NE(first, other);
}

}  // namespace
}  // namespace lenet5
