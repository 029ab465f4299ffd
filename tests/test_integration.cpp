// Training on real MNIST: a short run must learn, and training must be reproducible. Skips when the
// dataset is absent (set LENET5_DATA, or keep ../shared/data/mnist beside the repository).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/model.hpp"
#include "lenet5/preprocess.hpp"
#include "lenet5/train.hpp"
#include "test_util.hpp"

namespace lenet5 {
namespace {

using testing_util::mnist_dir;

bool has_mnist() { return std::filesystem::exists(mnist_dir()); }

// Seed 1 on two threads reaches 96.77 % (measured 2026-12-02, build of this commit); the bar sits 0.5 points
// under it, so a change that costs half a point of accuracy fails.
TEST(Integration, OneEpochOnTenThousandImagesReaches96Point27Percent) {
  if (!has_mnist()) GTEST_SKIP() << "SKIPPED: MNIST not found at " << mnist_dir() << " (set LENET5_DATA)";
  const Dataset train_data = load_mnist(mnist_dir(), Split::train).head(10000);
  const Dataset test_data = load_mnist(mnist_dir(), Split::test);
  TrainOptions options;
  options.epochs = 1;
  options.batch = 16;  // one short epoch needs more, smaller steps than the full-run default (64 gives 94.99 %)
  options.threads = 2;  // results depend on the thread count: fixed, like the seed, so the figure is this run's
  options.seed = 1;
  Model model = initialize_model(modern_preset(), options.seed);
  train(model, train_data, nullptr, options);
  const double accuracy = evaluate(model, test_data).accuracy;
  RecordProperty("test_accuracy", std::to_string(accuracy));
  EXPECT_GE(accuracy, 0.9627);
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

// MNIST's digits are already what the preparation makes of a picture (a 20×20 box, the centre of mass at
// 14.5): all 10,000 test digits come back within 1.5 grey levels per pixel on average (measured: 1.02, the
// rescaling of a stroke's median ink to 255), and none is found without ink.
TEST(Integration, PreparingMnistsOwnDigitsChangesThemLittle) {
  if (!has_mnist()) GTEST_SKIP() << "SKIPPED: MNIST not found at " << mnist_dir() << " (set LENET5_DATA)";
  const Dataset test_data = load_mnist(mnist_dir(), Split::test);
  double difference = 0;
  for (std::size_t i = 0; i < test_data.count; ++i) {
    const auto digit = test_data.image(i);
    const PreparedDigit prepared = prepare_digit(Image{28, 28, 1, std::vector<std::uint8_t>(digit.begin(), digit.end())});
    ASSERT_TRUE(prepared.ink_found) << "test digit " << i;
    for (std::size_t p = 0; p < digit.size(); ++p) difference += std::abs(int(prepared.field.pixels[p]) - int(digit[p]));
  }
  EXPECT_LT(difference / double(test_data.count * 28 * 28), 1.5);
}

}  // namespace
}  // namespace lenet5
