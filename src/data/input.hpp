#pragma once
// Turns image bytes (0 = background, 255 = ink) into network input: centred on a background canvas of the
// network's input size (MNIST's 28×28 gets the paper's 2-pixel border, §II-B) and scaled linearly to the
// spec's [background, foreground]. Done per batch, so datasets stay bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "lenet5/error.hpp"
#include "lenet5/network_spec.hpp"

namespace lenet5 {

class InputEncoder {
 public:
  explicit InputEncoder(const NetworkSpec& spec) : shape_(spec.input) {
    if (shape_.channels != 1) throw Error("only single-channel (grey) network inputs are supported");
    for (int byte = 0; byte < 256; ++byte)
      table_[byte] = spec.scaling.background + (spec.scaling.foreground - spec.scaling.background) * float(byte) / 255.0f;
  }

  // Throws lenet5::Error unless a width × height image fits the input.
  void check_size(int width, int height) const {
    if (width < 1 || height < 1 || width > shape_.width || height > shape_.height)
      throw Error("image is " + std::to_string(width) + "x" + std::to_string(height) + "; this network takes up to " +
                  std::to_string(shape_.width) + "x" + std::to_string(shape_.height) + " pixels");
  }

  // Writes shape().size() values to `out`; the size must have passed check_size.
  template <class T>
  void encode(const std::uint8_t* pixels, int width, int height, T* out) const {
    const int top = (shape_.height - height) / 2, left = (shape_.width - width) / 2;
    const T background = T(table_[0]);
    for (int y = 0; y < shape_.height; ++y) {
      T* row = out + y * shape_.width;
      const int source_y = y - top;
      if (source_y < 0 || source_y >= height) {
        for (int x = 0; x < shape_.width; ++x) row[x] = background;
        continue;
      }
      // The columns of the canvas the image covers, and the background either side of them.
      const int first = std::max(left, 0), last = std::min(left + width, shape_.width);
      const std::uint8_t* source = pixels + source_y * width;
      for (int x = 0; x < first; ++x) row[x] = background;
      for (int x = first; x < last; ++x) row[x] = T(table_[source[x - left]]);
      for (int x = last; x < shape_.width; ++x) row[x] = background;
    }
  }

  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
  std::array<float, 256> table_{};
};

}  // namespace lenet5
