// PNG through libpng (www.libpng.org/pub/png/libpng-manual.txt): reading any PNG, writing grey ones.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "image/codecs.hpp"
#include "io/atomic_file.hpp"
#include "lenet5/image_io.hpp"

namespace lenet5::image_codec {
namespace {

// libpng reports errors by longjmp. The functions that call setjmp (decode_png_*, encode_png) hold no C++
// objects with destructors, and the callbacks below touch only this struct, which lives in their caller.
struct PngSession {
  explicit PngSession(bool for_writing) : writing(for_writing) {}
  PngSession(const PngSession&) = delete;
  PngSession& operator=(const PngSession&) = delete;
  ~PngSession() {
    if (writing) {
      png_destroy_write_struct(&png, &info);
    } else {
      png_destroy_read_struct(&png, &info, nullptr);
    }
  }

  bool writing;
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::span<const std::uint8_t> input;  // when reading: the file
  std::size_t input_position = 0;
  std::vector<std::uint8_t>* output = nullptr;  // when writing: the file being built
  char message[256] = {};                       // libpng's error message
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* session = static_cast<PngSession*>(png_get_error_ptr(png));
  std::snprintf(session->message, sizeof session->message, "%s", message);
  png_longjmp(png, 1);
}

// Warnings are about damaged ancillary chunks that do not affect the pixels.
void ignore_png_warning(png_structp, png_const_charp) {}

void read_png_bytes(png_structp png, png_bytep out, png_size_t count) {
  auto* session = static_cast<PngSession*>(png_get_io_ptr(png));
  if (count > session->input.size() - session->input_position) png_error(png, "the file is truncated");
  std::memcpy(out, session->input.data() + session->input_position, count);
  session->input_position += count;
}

// No exception may cross libpng's C frames, so a failure to grow the buffer becomes a libpng error.
void write_png_bytes(png_structp png, png_bytep data, png_size_t count) {
  auto* session = static_cast<PngSession*>(png_get_io_ptr(png));
  bool out_of_memory = false;
  try {
    session->output->insert(session->output->end(), data, data + count);
  } catch (...) {
    out_of_memory = true;
  }
  if (out_of_memory) png_error(png, "out of memory");
}

void flush_nothing(png_structp) {}

void create(PngSession& session, const std::string& path) {
  session.png = session.writing
                    ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &session, on_png_error, ignore_png_warning)
                    : png_create_read_struct(PNG_LIBPNG_VER_STRING, &session, on_png_error, ignore_png_warning);
  if (session.png != nullptr) session.info = png_create_info_struct(session.png);
  if (session.info == nullptr) fail(path, "cannot set up libpng (out of memory)");
}

// Reads the header and asks libpng for 8-bit samples with the file's channels: palettes expanded to RGB,
// grey below 8 bits widened, a tRNS chunk turned into an alpha channel, 16-bit samples scaled with rounding
// (as for PGM). False on a libpng error.
bool decode_png_header(PngSession& session, png_uint_32& width, png_uint_32& height) {
  if (setjmp(png_jmpbuf(session.png))) return false;
  png_set_read_fn(session.png, &session, read_png_bytes);
  png_read_info(session.png, session.info);
  width = png_get_image_width(session.png, session.info);
  height = png_get_image_height(session.png, session.info);
  png_set_expand(session.png);
  png_set_scale_16(session.png);
  png_set_interlace_handling(session.png);
  png_read_update_info(session.png, session.info);
  return true;
}

bool decode_png_pixels(PngSession& session, png_bytepp rows) {
  if (setjmp(png_jmpbuf(session.png))) return false;
  png_read_image(session.png, rows);
  return true;
}

bool encode_png(PngSession& session, const GreyImage& image) {
  if (setjmp(png_jmpbuf(session.png))) return false;
  png_set_write_fn(session.png, &session, write_png_bytes, flush_nothing);
  png_set_IHDR(session.png, session.info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(session.png, session.info);
  for (int y = 0; y < image.height; ++y) {
    png_write_row(session.png, image.pixels.data() + static_cast<std::size_t>(y) * image.width);
  }
  png_write_end(session.png, nullptr);
  return true;
}

}  // namespace

Image decode_png(Bytes bytes, const std::string& name) {
  PngSession session(false);
  session.input = bytes;
  create(session, name);
  png_uint_32 width = 0, height = 0;
  if (!decode_png_header(session, width, height)) fail(name, std::string("invalid PNG: ") + session.message);
  check_dimensions(name, width, height);
  // Deflate expands at most 1032-fold and a pixel takes at least one bit: bound what the header claims by
  // the file's size before allocating for it.
  constexpr std::size_t kMaxPixelsPerByte = 1032 * 8;
  if (std::size_t{width} * height > kMaxPixelsPerByte * bytes.size()) {
    fail(name, "invalid PNG: a " + dimensions(width, height) + " image cannot fit in " + std::to_string(bytes.size()) +
                   " bytes");
  }
  const int channels = png_get_channels(session.png, session.info);
  if (png_get_bit_depth(session.png, session.info) != 8 || channels < 1 || channels > 4 ||
      png_get_rowbytes(session.png, session.info) != std::size_t{width} * channels) {
    fail(name, "libpng did not convert the image to 8-bit samples as asked");
  }

  Image image{static_cast<int>(width), static_cast<int>(height), channels,
              std::vector<std::uint8_t>(std::size_t{width} * height * channels)};
  std::vector<png_bytep> rows(height);
  for (std::size_t y = 0; y < height; ++y) rows[y] = image.pixels.data() + y * width * channels;
  if (!decode_png_pixels(session, rows.data())) fail(name, std::string("invalid PNG: ") + session.message);
  return image;
}

}  // namespace lenet5::image_codec

namespace lenet5 {

std::vector<std::uint8_t> encode_png(const GreyImage& image, const std::string& name) {
  image_codec::check_writable(image, name);
  std::vector<std::uint8_t> bytes;
  image_codec::PngSession session(true);
  session.output = &bytes;
  image_codec::create(session, name);
  if (!image_codec::encode_png(session, image)) {
    image_codec::fail(name, std::string("cannot encode PNG: ") + session.message);
  }
  return bytes;
}

void write_png(const GreyImage& image, const std::string& path) { write_file_atomically(path, encode_png(image, path)); }

}  // namespace lenet5
