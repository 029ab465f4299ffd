#pragma once
// Small helpers shared by the test files.
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

}  // namespace lenet5::testing_util
