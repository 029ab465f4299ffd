#pragma once
// Reading a person's image file as grey bytes.
#include <cstdint>
#include <string>
#include <vector>

namespace lenet5 {

struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, 0 = black, 255 = white, as stored in the file
};

// PGM (P2 or P5, any maxval up to 65535) or PNG (any colour type and bit depth; colour is converted to
// luminance, alpha composited on white). Detected by content. Throws lenet5::Error naming the file.
GreyImage read_image(const std::string& path);

// Each pixel as a factor × factor block (nearest neighbour), so small pictures stay legible.
GreyImage enlarge(const GreyImage& image, int factor);

// Writers (PGM binary and 8-bit grey PNG), atomically, for pictures and tests.
void write_pgm(const GreyImage& image, const std::string& path);
void write_png(const GreyImage& image, const std::string& path);

}  // namespace lenet5
