#pragma once
// Turns image bytes (0 = background, 255 = ink) into network input: each channel's plane centred on a
// background canvas of the network's input size (MNIST's 28×28 gets the paper's 2-pixel border, §II-B) and
// scaled linearly to that channel's [background, foreground]. Done per batch, so datasets stay bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/error.hpp"
#include "lenet5/network_spec.hpp"

namespace lenet5 {

class InputEncoder {
 public:
  explicit InputEncoder(const NetworkSpec& spec) : shape_(spec.input), tables_(spec.scaling.size()) {
    if (spec.scaling.size() != std::size_t(shape_.channels))
      throw Error("the network's input scaling does not have one pair per channel");
    for (std::size_t c = 0; c < tables_.size(); ++c) {
      const InputScaling& scaling = spec.scaling[c];
      for (int byte = 0; byte < 256; ++byte)
        tables_[c][byte] = scaling.background + (scaling.foreground - scaling.background) * float(byte) / 255.0f;
    }
  }

  // Throws lenet5::Error unless a width × height image fits the input.
  void check_size(int width, int height) const {
    if (width < 1 || height < 1 || width > shape_.width || height > shape_.height)
      throw Error("image is " + std::to_string(width) + "x" + std::to_string(height) + "; this network takes up to " +
                  std::to_string(shape_.width) + "x" + std::to_string(shape_.height) + " pixels");
  }

  // Writes shape().size() values to `out` from an image of shape().channels planes of width × height bytes;
  // the size must have passed check_size.
  template <class T>
  void encode(const std::uint8_t* pixels, int width, int height, T* out) const {
    const std::size_t in_plane = std::size_t(width) * height, out_plane = std::size_t(shape_.width) * shape_.height;
    for (std::size_t c = 0; c < tables_.size(); ++c) encode_plane(tables_[c], pixels + c * in_plane, width, height, out + c * out_plane);
  }

  const Shape& shape() const { return shape_; }

 private:
  using Table = std::array<float, 256>;

  template <class T>
  void encode_plane(const Table& table, const std::uint8_t* pixels, int width, int height, T* out) const {
    const int top = (shape_.height - height) / 2, left = (shape_.width - width) / 2;
    const T background = T(table[0]);
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
      for (int x = first; x < last; ++x) row[x] = T(table[source[x - left]]);
      for (int x = last; x < shape_.width; ++x) row[x] = background;
    }
  }

  Shape shape_;
  std::vector<Table> tables_;
};

}  // namespace lenet5
