#pragma once
// The one exception type the library throws. Messages are complete sentences meant for the user:
// they name the file and say what was wrong, so the CLI can print them as they are.
#include <stdexcept>
#include <string>

namespace lenet5 {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lenet5
