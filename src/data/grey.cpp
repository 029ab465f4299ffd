#include <cstdint>
#include <string>

#include "lenet5/error.hpp"
#include "lenet5/image.hpp"

namespace lenet5 {

GreyImage to_grey(const Image& image) {
  if (image.channels < 1 || image.channels > 4)
    throw Error("an image has 1 to 4 channels, not " + std::to_string(image.channels));
  const std::size_t pixels = std::size_t(image.width) * image.height;
  if (image.width < 0 || image.height < 0 || image.pixels.size() != pixels * image.channels)
    throw Error("image pixels do not fill its " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                "x" + std::to_string(image.channels) + " size");
  GreyImage grey{image.width, image.height, std::vector<std::uint8_t>(pixels)};
  const bool colour = image.channels >= 3, alpha = image.channels % 2 == 0;
  // In integers scaled by 1000·255: luminance·alpha + white·(255 − alpha), rounded.
  constexpr std::uint32_t kScale = 1000u * 255u;
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &image.pixels[i * image.channels];
    const std::uint32_t luminance = colour ? 299u * p[0] + 587u * p[1] + 114u * p[2] : 1000u * p[0];
    const std::uint32_t opacity = alpha ? p[image.channels - 1] : 255u;
    grey.pixels[i] =
        static_cast<std::uint8_t>((luminance * opacity + 255u * 1000u * (255u - opacity) + kScale / 2) / kScale);
  }
  return grey;
}

}  // namespace lenet5
