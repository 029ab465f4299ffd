// Preparing a picture as its model records (lenet5/preprocess.hpp): the plain letterbox here, MNIST's digit
// procedure in preprocess.cpp.
#include <cstdint>
#include <vector>

#include "data/letterbox.hpp"
#include "lenet5/error.hpp"
#include "lenet5/preprocess.hpp"

namespace lenet5 {

std::string to_string(InputPreparation preparation) {
  return preparation == InputPreparation::plain ? "plain" : "digit";
}

std::optional<InputPreparation> parse_input_preparation(const std::string& name) {
  if (name == "digit") return InputPreparation::digit;
  if (name == "plain") return InputPreparation::plain;
  return std::nullopt;
}

namespace {

// The picture as R, G, B planes: grey replicated, alpha composited onto white (as to_grey does for grey).
std::vector<std::uint8_t> colour_planes(const Image& picture) {
  if (picture.channels < 1 || picture.channels > 4 ||
      picture.pixels.size() != std::size_t(picture.width) * picture.height * picture.channels)
    throw Error("the image's pixels do not fill its size");
  const std::size_t plane = std::size_t(picture.width) * picture.height;
  std::vector<std::uint8_t> planes(3 * plane);
  const bool alpha = picture.channels == 2 || picture.channels == 4;
  for (std::size_t i = 0; i < plane; ++i) {
    const std::uint8_t* pixel = &picture.pixels[i * picture.channels];
    const int a = alpha ? pixel[picture.channels - 1] : 255;
    for (int c = 0; c < 3; ++c) {
      const int value = picture.channels >= 3 ? pixel[c] : pixel[0];
      planes[std::size_t(c) * plane + i] = static_cast<std::uint8_t>((value * a + 255 * (255 - a) + 127) / 255);
    }
  }
  return planes;
}

}  // namespace

PreparedDigit prepare_plain(const Image& picture, const PrepareOptions& options) {
  if (picture.width < 1 || picture.height < 1) throw Error("the image is empty");
  const Shape& frame = options.image;
  if ((frame.channels != 1 && frame.channels != 3) || frame.height < 1 || frame.width < 1)
    throw Error("pictures are prepared as 1 or 3 channels of at least 1x1 pixels");
  PreparedDigit prepared;
  prepared.ink_found = true;
  prepared.box = {0, 0, picture.width, picture.height};
  prepared.inverted = options.polarity == Polarity::dark_ink;
  prepared.channels = frame.channels;
  const std::vector<std::uint8_t> planes = frame.channels == 1 ? to_grey(picture).pixels : colour_planes(picture);
  prepared.field = {frame.width, frame.height,
                    letterbox(planes.data(), frame.channels, picture.width, picture.height, frame.width, frame.height,
                              prepared.inverted)};
  return prepared;
}

PreparedDigit prepare_input(const Image& picture, InputPreparation preparation, const PrepareOptions& options) {
  return preparation == InputPreparation::plain ? prepare_plain(picture, options) : prepare_digit(picture, options);
}

}  // namespace lenet5
