// libFuzzer harness for the `lenet5 train --json` log reader (lenet5::read_training_log, what `lenet5 picture
// curves` draws). Only lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"
#include "temp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const lenet5_fuzz::TempFile file("training_log");
  const std::string& path = file.write(data, size);
  try {
    const lenet5::TrainingLog log = lenet5::read_training_log(path);
    // What the reader promises the figure: epochs, each counted from 1, a finite loss of at least 0 and
    // accuracies between 0 and 1.
    bool promised = !log.epochs.empty() && (log.held_out == "test" || log.held_out == "validation");
    for (const lenet5::EpochRecord& epoch : log.epochs)
      promised = promised && epoch.epoch >= 1 && epoch.train_loss >= 0 && std::isfinite(epoch.train_loss) &&
                 epoch.train_accuracy >= 0 && epoch.train_accuracy <= 1 &&
                 (!epoch.held_out_accuracy || (*epoch.held_out_accuracy >= 0 && *epoch.held_out_accuracy <= 1));
    if (!promised) {
      std::fprintf(stderr, "read_training_log: %zu epochs breaking its promise\n", log.epochs.size());
      std::abort();
    }
  } catch (const lenet5::Error&) {
  }
  return 0;
}
