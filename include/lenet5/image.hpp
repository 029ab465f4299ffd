#pragma once
// Pictures as bytes: decoded images with their channels, grey images, and reading a person's image file.
#include <cstdint>
#include <string>
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

// PGM (P2 or P5, any maxval up to 65535) or PNG (any colour type and bit depth; colour is converted to
// luminance, alpha composited on white). Detected by content. Throws lenet5::Error naming the file.
GreyImage read_image(const std::string& path);

// Each pixel as a factor × factor block (nearest neighbour), so small pictures stay legible.
GreyImage enlarge(const GreyImage& image, int factor);

// Writers (PGM binary and 8-bit grey PNG), atomically, for pictures and tests.
void write_pgm(const GreyImage& image, const std::string& path);
void write_png(const GreyImage& image, const std::string& path);

}  // namespace lenet5
