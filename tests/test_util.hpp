#pragma once
// Small helpers shared by the test files.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "lenet5/error.hpp"
#include "nn/loss.hpp"

namespace lenet5::testing_util {

// The message of the lenet5::Error that `action` throws, so tests can assert on what it says.
template <typename Action>
std::string error_from(Action action) {
  try {
    action();
  } catch (const lenet5::Error& error) {
    return error.what();
  }
  return "(no lenet5::Error thrown)";
}

// E(y) of one example through nn::compute_loss (MAP's j = 1.5), for finite differences.
inline double loss_of(LossKind kind, const std::vector<double>& y, std::uint8_t label) {
  std::vector<double> unused(y.size());
  return nn::compute_loss(kind, 1.5f, y.data(), &label, 1, int(y.size()), 1.0, unused.data()).sum;
}

// Where the tests that need MNIST find it: $LENET5_DATA, else ../shared/data/mnist beside the repository.
inline std::string mnist_dir() {
  if (const char* env = std::getenv("LENET5_DATA"); env && *env) return env;
  return LENET5_SOURCE_DIR "/../shared/data/mnist";
}

}  // namespace lenet5::testing_util
