#pragma once
// Pictures as bytes: decoded images with their channels, and grey images. Reading and writing image files
// is lenet5/image_io.hpp, a library of its own (lenet5_image), so the core needs no image codecs.
#include <cstdint>
#include <vector>

namespace lenet5 {

struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, 0 = black, 255 = white, as stored in the file
};

// A decoded picture: 8-bit samples, row-major, channels interleaved: 1 grey, 2 grey + alpha, 3 RGB,
// 4 RGBA (alpha 0 = transparent). 0 = black, 255 = white.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;  // height × width × channels
};

// Luminance with the ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B, as PIL, OpenCV and netpbm compute
// it) on the stored values, composited onto white by alpha (a transparent background, as web canvases
// export, reads as white paper), rounded. Throws lenet5::Error for a channel count other than 1–4 or
// pixels that do not fill width × height × channels.
GreyImage to_grey(const Image& image);

}  // namespace lenet5
