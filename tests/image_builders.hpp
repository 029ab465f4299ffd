#pragma once
// Image files built byte by byte or with libjpeg, for the tests and the fuzzing seeds (fuzz/make_corpus.cpp):
// JPEGs with an optional Exif segment, and BMPs of any header layout.
// clang-format off
#include <cstdio>  // jpeglib.h uses FILE and size_t without including their headers
#include <jpeglib.h>
// clang-format on

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <vector>

namespace lenet5::testing_util {

using Bytes = std::vector<std::uint8_t>;

namespace image_builders {

// A JPEG made with libjpeg at quality 100, optionally progressive, with an APP1 segment (Exif) when given.
// 1 channel is grey, 3 RGB, 4 CMYK.
struct TestJpeg {
  int width = 0;
  int height = 0;
  int channels = 1;
  Bytes pixels{};
  bool progressive = false;
  Bytes app1{};
};

inline Bytes encode_test_jpeg(const TestJpeg& image) {
  jpeg_compress_struct encoder{};
  jpeg_error_mgr errors{};
  encoder.err = jpeg_std_error(&errors);  // exits on error: these images are valid by construction
  jpeg_create_compress(&encoder);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&encoder, &buffer, &size);
  encoder.image_width = static_cast<JDIMENSION>(image.width);
  encoder.image_height = static_cast<JDIMENSION>(image.height);
  encoder.input_components = image.channels;
  encoder.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : image.channels == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&encoder);
  jpeg_set_quality(&encoder, 100, TRUE);
  if (image.progressive) jpeg_simple_progression(&encoder);
  jpeg_start_compress(&encoder, TRUE);
  if (!image.app1.empty()) {
    jpeg_write_marker(&encoder, JPEG_APP0 + 1, image.app1.data(), static_cast<unsigned>(image.app1.size()));
  }
  const std::size_t row_bytes = std::size_t(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) {
    JSAMPROW row = const_cast<JSAMPROW>(image.pixels.data() + y * row_bytes);
    jpeg_write_scanlines(&encoder, &row, 1);
  }
  jpeg_finish_compress(&encoder);
  Bytes bytes(buffer, buffer + size);
  std::free(buffer);
  jpeg_destroy_compress(&encoder);
  return bytes;
}

// An APP1 segment's body as cameras write it: "Exif\0\0", a TIFF header in either byte order, and a first
// IFD holding a Make tag and then the orientation (a SHORT).
inline Bytes exif_app1(int orientation, bool big_endian) {
  Bytes out{'E', 'x', 'i', 'f', 0, 0};
  const auto put = [&](std::uint32_t value, int size) {
    for (int i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * (big_endian ? size - 1 - i : i))));
  };
  out.insert(out.end(), 2, big_endian ? 'M' : 'I');
  put(42, 2);
  put(8, 4);  // the first IFD follows the 8-byte header
  put(2, 2);  // two entries
  put(0x010F, 2), put(2, 2), put(4, 4), out.insert(out.end(), {'a', 'b', 'c', 0});  // Make: ASCII "abc"
  put(0x0112, 2), put(3, 2), put(1, 4), put(static_cast<std::uint32_t>(orientation), 2), put(0, 2);
  put(0, 4);  // no next IFD
  return out;
}

// A BMP file: the 14-byte file header, a BITMAPCOREHEADER (12 bytes) or a BITMAPINFOHEADER-style header of
// header_size bytes (masks at its byte 40 from 52 bytes on), `after_header` (masks after a 40-byte header,
// or the palette), then the rows as given (padded to 4 bytes by the caller).
struct TestBmp {
  std::int32_t width = 0;
  std::int32_t height = 0;  // negative: top-down
  std::uint16_t bits = 24;
  std::uint32_t compression = 0;
  std::uint32_t header_size = 40;
  std::vector<std::uint32_t> header_masks{};
  Bytes after_header{};
  Bytes rows{};
  std::uint32_t colours_used = 0;
};

inline Bytes bmp_file(const TestBmp& bmp) {
  Bytes out{'B', 'M'};
  const auto put = [&](std::uint32_t value, int size) {
    for (int i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  const std::uint32_t pixels_offset = 14 + bmp.header_size + static_cast<std::uint32_t>(bmp.after_header.size());
  put(pixels_offset + static_cast<std::uint32_t>(bmp.rows.size()), 4), put(0, 4), put(pixels_offset, 4);
  put(bmp.header_size, 4);
  if (bmp.header_size == 12) {
    put(static_cast<std::uint32_t>(bmp.width), 2), put(static_cast<std::uint32_t>(bmp.height), 2), put(1, 2), put(bmp.bits, 2);
  } else {
    put(static_cast<std::uint32_t>(bmp.width), 4), put(static_cast<std::uint32_t>(bmp.height), 4), put(1, 2);
    put(bmp.bits, 2), put(bmp.compression, 4), put(static_cast<std::uint32_t>(bmp.rows.size()), 4);
    put(2835, 4), put(2835, 4), put(bmp.colours_used, 4), put(0, 4);
    for (const std::uint32_t mask : bmp.header_masks) put(mask, 4);
    out.resize(14 + bmp.header_size);
  }
  out.insert(out.end(), bmp.after_header.begin(), bmp.after_header.end());
  out.insert(out.end(), bmp.rows.begin(), bmp.rows.end());
  return out;
}

inline Bytes little_endian_masks(std::initializer_list<std::uint32_t> masks) {
  Bytes out;
  for (const std::uint32_t mask : masks)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(mask >> (8 * i)));
  return out;
}

}  // namespace image_builders
}  // namespace lenet5::testing_util
