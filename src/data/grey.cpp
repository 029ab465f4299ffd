#include <cstdint>
#include <string>

#include "lenet5/error.hpp"
#include "lenet5/image.hpp"

namespace lenet5 {

namespace {

// Luminance composited on white, in integers scaled by 1000·255: luminance·alpha + white·(255 − alpha),
// rounded; the channel count fixed at compile time, so the loop over a photo's pixels vectorises.
template <int Channels>
void luminance_on_white(const std::uint8_t* in, std::uint8_t* out, std::size_t pixels) {
  constexpr bool colour = Channels >= 3, alpha = Channels % 2 == 0;
  constexpr std::uint32_t kScale = 1000u * 255u;
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = in + i * Channels;
    const std::uint32_t luminance = colour ? 299u * p[0] + 587u * p[1] + 114u * p[2] : 1000u * p[0];
    if constexpr (alpha) {
      const std::uint32_t opacity = p[Channels - 1];
      out[i] = static_cast<std::uint8_t>((luminance * opacity + 255u * 1000u * (255u - opacity) + kScale / 2) / kScale);
    } else {
      // Opaque: (luminance·255 + kScale/2) / kScale is (luminance + 500) / 1000 exactly.
      out[i] = static_cast<std::uint8_t>((luminance + 500u) / 1000u);
    }
  }
}

}  // namespace

GreyImage to_grey(const Image& image) {
  if (image.channels < 1 || image.channels > 4)
    throw Error("an image has 1 to 4 channels, not " + std::to_string(image.channels));
  const std::size_t pixels = std::size_t(image.width) * image.height;
  if (image.width < 0 || image.height < 0 || image.pixels.size() != pixels * image.channels)
    throw Error("image pixels do not fill its " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                "x" + std::to_string(image.channels) + " size");
  GreyImage grey{image.width, image.height, std::vector<std::uint8_t>(pixels)};
  constexpr void (*kByChannels[])(const std::uint8_t*, std::uint8_t*, std::size_t) = {
      luminance_on_white<1>, luminance_on_white<2>, luminance_on_white<3>, luminance_on_white<4>};
  kByChannels[image.channels - 1](image.pixels.data(), grey.pixels.data(), pixels);
  return grey;
}

}  // namespace lenet5
