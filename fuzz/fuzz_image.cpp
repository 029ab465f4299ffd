// libFuzzer harness for every image decoder, through decode_image (include/lenet5/image_io.hpp): PNG, JPEG
// with its EXIF orientation, BMP, PGM/PPM, WebP, and the recognition of the formats that are refused.
// Only lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer, and so does
// a decoded image whose fields disagree or that to_grey refuses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const lenet5::Image image = lenet5::decode_image(std::span(data, size), "input");
    const bool consistent = image.width >= 1 && image.height >= 1 && image.width <= lenet5::kMaxImageSide &&
                            image.height <= lenet5::kMaxImageSide && image.channels >= 1 && image.channels <= 4 &&
                            image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels;
    if (!consistent) {
      std::fprintf(stderr, "decode_image: %dx%dx%d image with %zu samples\n", image.width, image.height,
                   image.channels, image.pixels.size());
      std::abort();
    }
    const lenet5::GreyImage grey = lenet5::to_grey(image);
    if (grey.pixels.size() != static_cast<std::size_t>(image.width) * image.height) std::abort();
  } catch (const lenet5::Error&) {
  }
  return 0;
}
