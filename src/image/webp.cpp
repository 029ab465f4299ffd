// WebP through libwebp (developers.google.com/speed/webp/docs/api): still images, lossy or lossless.
#include <webp/decode.h>

#include "image/codecs.hpp"

namespace lenet5::image_codec {
namespace {

std::string describe(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_NOT_ENOUGH_DATA: return "truncated WebP";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported WebP feature";
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory decoding WebP";
    default: return "invalid WebP (the bitstream is damaged)";
  }
}

}  // namespace

Image decode_webp(Bytes bytes, const std::string& name) {
  WebPBitstreamFeatures features;
  if (const VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &features); status != VP8_STATUS_OK) {
    fail(name, describe(status));
  }
  if (features.has_animation) fail(name, "animated WebP images are not supported: convert a frame to PNG");
  check_dimensions(name, static_cast<std::uint64_t>(features.width), static_cast<std::uint64_t>(features.height));
  const int channels = features.has_alpha ? 4 : 3;
  Image image{features.width, features.height, channels,
              std::vector<std::uint8_t>(std::size_t(features.width) * features.height * channels)};
  const int stride = features.width * channels;
  const auto decode = features.has_alpha ? WebPDecodeRGBAInto : WebPDecodeRGBInto;
  if (decode(bytes.data(), bytes.size(), image.pixels.data(), image.pixels.size(), stride) == nullptr) {
    // The header was whole, so the image data is short or damaged; libwebp says no more.
    fail(name, "invalid WebP (the image data is truncated or damaged)");
  }
  return image;
}

}  // namespace lenet5::image_codec
