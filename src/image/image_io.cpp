// decode_image: recognising an image file by its first bytes and handing it to its decoder; the limits all
// decoders share.
#include "lenet5/image_io.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "image/codecs.hpp"
#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace image_codec {

void fail(const std::string& name, const std::string& what) { throw Error(name + ": " + what); }

std::string dimensions(std::uint64_t width, std::uint64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

void check_dimensions(const std::string& name, std::uint64_t width, std::uint64_t height) {
  for (const auto& [what, side] : {std::pair{"width", width}, std::pair{"height", height}}) {
    if (side < 1 || side > kMaxImageSide) {
      fail(name, std::string("image ") + what + " " + std::to_string(side) + " is out of range (1 to " +
                     std::to_string(kMaxImageSide) + ")");
    }
  }
  if (width * height > static_cast<std::uint64_t>(kMaxImagePixels)) {
    fail(name, "a " + dimensions(width, height) + " image has " + std::to_string(width * height) +
                   " pixels, over the limit of " + std::to_string(kMaxImagePixels));
  }
}

void check_writable(const GreyImage& image, const std::string& path) {
  const bool sides_ok = image.width >= 1 && image.height >= 1 && image.width <= kMaxImageSide &&
                        image.height <= kMaxImageSide;
  if (!sides_ok || image.pixels.size() != std::size_t(image.width) * image.height) {
    fail(path, "cannot write a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                   " image that has " + std::to_string(image.pixels.size()) + " pixels");
  }
}

}  // namespace image_codec

namespace {

using image_codec::Bytes;
using image_codec::fail;

bool starts_with(Bytes bytes, std::string_view magic) {
  return bytes.size() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), bytes.begin(),
                    [](char expected, std::uint8_t actual) { return static_cast<std::uint8_t>(expected) == actual; });
}

bool is_netpbm_whitespace(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// An ISO base media file (HEIF, AVIF) starts with an `ftyp` box: its size, "ftyp", the major brand, a
// version, then compatible brands, four bytes each. Returns the format its brands name, or nothing.
std::string_view iso_media_image_format(Bytes bytes) {
  if (bytes.size() < 12 || !starts_with(bytes.subspan(4), "ftyp")) return {};
  const std::size_t box_size = std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 |
                               std::uint32_t{bytes[2]} << 8 | bytes[3];
  const std::size_t end = std::min(box_size, bytes.size());
  bool heif = false;
  for (std::size_t at = 8; at + 4 <= end; at += at == 8 ? 8 : 4) {  // skip the version after the major brand
    const std::string_view brand(reinterpret_cast<const char*>(bytes.data() + at), 4);
    if (brand == "avif" || brand == "avis") return "AVIF";
    constexpr std::array<std::string_view, 8> kHeifBrands{"heic", "heix", "hevc", "hevx",
                                                          "heim", "heis", "mif1", "msf1"};
    heif = heif || std::find(kHeifBrands.begin(), kHeifBrands.end(), brand) != kHeifBrands.end();
  }
  return heif ? "HEIC/HEIF" : "";
}

}  // namespace

Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name) {
  using namespace image_codec;
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n")) return decode_png(bytes, name);
  if (starts_with(bytes, "\xFF\xD8\xFF")) return decode_jpeg(bytes, name);
  if (starts_with(bytes, "BM")) return decode_bmp(bytes, name);
  if (bytes.size() >= 12 && starts_with(bytes, "RIFF") && starts_with(bytes.subspan(8), "WEBP")) {
    return decode_webp(bytes, name);
  }
  // Netpbm: "P", the kind's digit, whitespace.
  if (bytes.size() >= 3 && bytes[0] == 'P' && is_netpbm_whitespace(bytes[2])) {
    switch (bytes[1]) {
      case '2': case '3': case '5': case '6': return decode_netpbm(bytes, name);
      case '1': case '4': fail(name, "PBM (bilevel netpbm) images are not supported: convert to PGM or PNG");
      case '7': fail(name, "PAM images are not supported: convert to PGM, PPM or PNG");
      default: break;
    }
  }
  if (starts_with(bytes, "GIF87a") || starts_with(bytes, "GIF89a")) {
    fail(name, "GIF images are not supported: convert to PNG");
  }
  if (starts_with(bytes, std::string_view("II*\0", 4)) || starts_with(bytes, std::string_view("MM\0*", 4))) {
    fail(name, "TIFF images are not supported: convert to PNG or JPEG");
  }
  if (const std::string_view format = iso_media_image_format(bytes); !format.empty()) {
    fail(name, std::string(format) + " images are not supported: convert to PNG or JPEG");
  }
  if (starts_with(bytes, "LENET5\x1a\n")) fail(name, "not an image but a lenet5 model file");
  fail(name, "not an image (PNG, JPEG, BMP, PGM/PPM or WebP)");
}

Image read_image_file(const std::string& path) {
  // A 16384x4096 image of 16-bit RGB samples takes 384 MiB as binary PPM; larger is not an image we read.
  return decode_image(read_whole_file(path, std::size_t{512} << 20), path);
}

GreyImage read_image(const std::string& path) { return to_grey(read_image_file(path)); }

GreyImage enlarge(const GreyImage& image, int factor) {
  if (factor < 1 || factor > 64) throw Error("enlargement factor must be 1–64");
  GreyImage out{image.width * factor, image.height * factor, {}};
  out.pixels.resize(std::size_t(out.width) * out.height);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      out.pixels[std::size_t(y) * out.width + x] = image.pixels[std::size_t(y / factor) * image.width + x / factor];
  return out;
}

}  // namespace lenet5
