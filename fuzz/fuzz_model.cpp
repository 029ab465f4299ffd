// libFuzzer harness for the model file reader (include/lenet5/model.hpp). Only lenet5::Error is an accepted
// outcome for bad input; anything else escapes to the fuzzer. A model that loads must save again, and the
// saved bytes must load as the same spec with bitwise-identical parameters.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lenet5/error.hpp"
#include "lenet5/model.hpp"

namespace {

[[noreturn]] void round_trip_failed(const char* what) {
  std::fprintf(stderr, "model round trip failed: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  lenet5::Model model;
  try {
    model = lenet5::deserialize_model(bytes, "fuzz input");
  } catch (const lenet5::Error&) {
    return 0;
  }

  lenet5::Model again;
  try {
    again = lenet5::deserialize_model(lenet5::serialize_model(model), "re-serialised model");
  } catch (const lenet5::Error& error) {
    round_trip_failed(error.what());
  }
  if (!(again.spec == model.spec)) round_trip_failed("the spec differs");
  if (again.preparation != model.preparation) round_trip_failed("the input preparation differs");
  if (again.parameters.size() != model.parameters.size()) round_trip_failed("the parameter count differs");
  if (!model.parameters.empty() &&
      std::memcmp(again.parameters.data(), model.parameters.data(), model.parameters.size() * sizeof(float)) != 0) {
    round_trip_failed("the parameters differ");
  }
  return 0;
}
