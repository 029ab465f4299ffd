// libFuzzer harness for the image reader (PGM P2/P5 and PNG, include/lenet5/image.hpp).
// Only lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "lenet5/error.hpp"
#include "lenet5/image.hpp"
#include "temp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const lenet5_fuzz::TempFile file("image");
  const std::string& path = file.write(data, size);
  try {
    const lenet5::GreyImage image = lenet5::read_image(path);
    const bool consistent = image.width >= 1 && image.height >= 1 &&
                            image.pixels.size() == static_cast<std::size_t>(image.width) * image.height;
    if (!consistent) {
      std::fprintf(stderr, "read_image: %dx%d image with %zu pixels\n", image.width, image.height,
                   image.pixels.size());
      std::abort();
    }
  } catch (const lenet5::Error&) {
  }
  return 0;
}
