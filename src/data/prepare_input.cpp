// Preparing a picture as its model records (lenet5/preprocess.hpp): the plain letterbox here, MNIST's digit
// procedure in preprocess.cpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "data/area_coverage.hpp"
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

PreparedDigit prepare_plain(const Image& picture, const PrepareOptions& options) {
  if (picture.width < 1 || picture.height < 1) throw Error("the image is empty");
  const GreyImage grey = to_grey(picture);
  PreparedDigit prepared;
  prepared.ink_found = true;
  prepared.box = {0, 0, grey.width, grey.height};
  prepared.inverted = options.polarity == Polarity::dark_ink;

  // Field pixel (u, v) covers the picture's [left + u·step, left + (u + 1)·step) × [top + v·step, …): the
  // longer side spans the field, the shorter is centred, and what lies outside the picture is background.
  const int side = std::max(grey.width, grey.height);
  const float step = float(side) / float(kDigitField);
  const float left = -centring_margin(grey.width, side, step), top = -centring_margin(grey.height, side, step);
  // Rows first (each field row's weighted sum down every picture column), then across the columns: every
  // picture pixel is read once or twice, however large the picture.
  std::vector<float> rows(std::size_t(kDigitField) * grey.width, 0.0f);
  for (int v = 0; v < kDigitField; ++v) {
    float* row = &rows[std::size_t(v) * grey.width];
    for (const auto& [y, wy] : coverage(top + float(v) * step, top + float(v + 1) * step, grey.height)) {
      const std::uint8_t* source = &grey.pixels[std::size_t(y) * grey.width];
      for (int x = 0; x < grey.width; ++x) row[x] += wy * float(prepared.inverted ? 255 - source[x] : source[x]);
    }
  }
  prepared.field = {kDigitField, kDigitField, std::vector<std::uint8_t>(kDigitField * kDigitField, 0)};
  for (int u = 0; u < kDigitField; ++u) {
    const auto columns = coverage(left + float(u) * step, left + float(u + 1) * step, grey.width);
    for (int v = 0; v < kDigitField; ++v) {
      float sum = 0;
      for (const auto& [x, wx] : columns) sum += wx * rows[std::size_t(v) * grey.width + x];
      prepared.field.pixels[std::size_t(v) * kDigitField + u] =
          static_cast<std::uint8_t>(std::lround(std::min(sum / (step * step), 255.0f)));
    }
  }
  return prepared;
}

PreparedDigit prepare_input(const Image& picture, InputPreparation preparation, const PrepareOptions& options) {
  return preparation == InputPreparation::plain ? prepare_plain(picture, options) : prepare_digit(picture, options);
}

}  // namespace lenet5
