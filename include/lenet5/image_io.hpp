#pragma once
// Reading people's image files and writing pictures: the lenet5_image library (libpng, libjpeg-turbo,
// libwebp), kept apart from the core so that a build without image files needs none of them.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lenet5/image.hpp"

namespace lenet5 {

// The largest image read: a side of at most kMaxImageSide pixels and at most kMaxImagePixels in all (a
// 12-megapixel phone photo is about 4000x3000). Both are checked from the header, before any allocation,
// and also bound what a hostile header can make the decoders allocate.
inline constexpr int kMaxImageSide = 16384;
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{64} << 20;

// Decodes an image file's bytes, its format recognised by content (never by name): PNG (any bit depth,
// palette, transparency, interlacing), JPEG (baseline and progressive, turned upright by its EXIF
// orientation), BMP (1/4/8-bit palette, 16/24/32-bit, BI_RGB or BI_BITFIELDS, either row order), PGM/PPM
// (P2, P3, P5, P6, maxval up to 65535) and WebP (still images). The result keeps the file's channels (1 grey,
// 2 grey + alpha, 3 RGB, 4 RGBA; 16-bit samples scaled to 8 with rounding); nothing is turned to grey.
// Throws lenet5::Error starting "<name>: " for anything else (GIF, TIFF, HEIC/HEIF and AVIF by name), for
// sizes over the limits, and for truncated or damaged files.
Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name);

// decode_image of the file's contents; the path names it in errors.
Image read_image_file(const std::string& path);

// to_grey(read_image_file(path)).
GreyImage read_image(const std::string& path);

// Each pixel as a factor × factor block (nearest neighbour), so small pictures stay legible.
GreyImage enlarge(const GreyImage& image, int factor);

// Writers (PGM binary and 8-bit grey PNG), atomically, for pictures and tests.
void write_pgm(const GreyImage& image, const std::string& path);
void write_png(const GreyImage& image, const std::string& path);
// The 8-bit grey PNG file write_png writes, as bytes; `name` names the image in errors.
std::vector<std::uint8_t> encode_png(const GreyImage& image, const std::string& name);

}  // namespace lenet5
