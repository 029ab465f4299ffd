// libFuzzer harness for the training checkpoint reader (lenet5::load_checkpoint, include/lenet5/train.hpp).
// Only lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer. Each input is
// read as it is and with its last 4 bytes made the CRC-32 of the rest, so that mutations reach the parser
// behind the checksum. A checkpoint that loads must save again and load as the same checkpoint: its options,
// epoch, data fingerprint, model file and optimizer state, bit for bit.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <zlib.h>

#include <vector>

#include "lenet5/error.hpp"
#include "lenet5/model.hpp"
#include "lenet5/train.hpp"
#include "temp_file.hpp"

namespace {

[[noreturn]] void round_trip_failed(const char* what) {
  std::fprintf(stderr, "checkpoint round trip failed: %s\n", what);
  std::abort();
}

void check(const std::uint8_t* data, std::size_t size) {
  static const lenet5_fuzz::TempFile input("checkpoint"), output("checkpoint-again");
  lenet5::TrainCheckpoint checkpoint;
  try {
    checkpoint = lenet5::load_checkpoint(input.write(data, size));
  } catch (const lenet5::Error&) {
    return;
  }

  lenet5::TrainCheckpoint again;
  try {
    const std::string& path = output.write(nullptr, 0);
    lenet5::save_checkpoint(checkpoint, path);
    again = lenet5::load_checkpoint(path);
  } catch (const lenet5::Error& error) {
    round_trip_failed(error.what());
  }
  again.options.checkpoint_path = checkpoint.options.checkpoint_path;  // where each was read from
  if (!(again.options == checkpoint.options)) round_trip_failed("the options differ");
  if (again.epochs_done != checkpoint.epochs_done) round_trip_failed("the epoch differs");
  if (!(again.data == checkpoint.data)) round_trip_failed("the data's fingerprint differs");
  if (lenet5::serialize_model(again.model) != lenet5::serialize_model(checkpoint.model))
    round_trip_failed("the model differs");
  const auto same_bits = [](float a, float b) {
    return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
  };
  const auto &buffers = checkpoint.optimizer.buffers, &read_back = again.optimizer.buffers;
  if (again.optimizer.steps != checkpoint.optimizer.steps ||
      !std::equal(buffers.begin(), buffers.end(), read_back.begin(), read_back.end(), same_bits))
    round_trip_failed("the optimizer's state differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(data, size);
  if (size < 4) return 0;
  std::vector<std::uint8_t> fixed(data, data + size);
  const auto crc = static_cast<std::uint32_t>(crc32_z(crc32_z(0, nullptr, 0), fixed.data(), size - 4));
  for (int i = 0; i < 4; ++i) fixed[size - 4 + std::size_t(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
  check(fixed.data(), size);
  return 0;
}
