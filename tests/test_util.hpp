#pragma once
// Small helpers shared by the test files.
#include <cstdlib>
#include <string>

#include "lenet5/error.hpp"

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

// Where the tests that need MNIST find it: $LENET5_DATA, else ../shared/data/mnist beside the repository.
inline std::string mnist_dir() {
  if (const char* env = std::getenv("LENET5_DATA"); env && *env) return env;
  return LENET5_SOURCE_DIR "/../shared/data/mnist";
}

}  // namespace lenet5::testing_util
