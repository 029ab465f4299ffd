// libFuzzer harness for the CSV dataset reader (lenet5::read_csv_images, Kaggle's layout). Only
// lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "lenet5/data_formats.hpp"
#include "lenet5/error.hpp"
#include "temp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const lenet5_fuzz::TempFile file("csv");
  const std::string& path = file.write(data, size);
  try {
    const lenet5::Dataset images = lenet5::read_csv_images(path);
    // What the reader promises: whole images of a square side up to 32, and a label for each or none.
    const bool shape_ok = images.rows == images.cols && images.rows >= 1 && images.rows <= 32 && images.channels == 1;
    if (!shape_ok || images.images.size() != images.count * images.image_size() ||
        (!images.labels.empty() && images.labels.size() != images.count)) {
      std::fprintf(stderr, "read_csv_images: %zu images of %dx%dx%d in %zu bytes, %zu labels\n", images.count,
                   images.channels, images.rows, images.cols, images.images.size(), images.labels.size());
      std::abort();
    }
  } catch (const lenet5::Error&) {
  }
  return 0;
}
