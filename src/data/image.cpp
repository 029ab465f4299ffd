// Image files as grey bytes: PGM (netpbm.sourceforge.net/doc/pgm.html) and PNG (through libpng).
#include "lenet5/image.hpp"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>

#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

// Larger images are not digits to classify; the cap also bounds what a hostile header can make us allocate.
constexpr std::uint32_t kMaxSide = 16384;

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw Error(path + ": " + what); }

std::string dimensions(std::uint64_t width, std::uint64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

void check_side(const std::string& path, const char* what, std::uint64_t side) {
  if (side < 1 || side > kMaxSide) {
    fail(path, std::string("image ") + what + " " + std::to_string(side) + " is out of range (1 to " +
                   std::to_string(kMaxSide) + ")");
  }
}

// ---- PGM ---------------------------------------------------------------------------------------------------

bool is_pgm_whitespace(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }

// The whitespace-separated numbers of a PGM header, and of a plain (P2) raster. A comment runs from '#'
// to the end of its line and counts as whitespace.
class PgmTokens {
 public:
  PgmTokens(std::span<const std::uint8_t> bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  // The next number, or nothing at the end of the file.
  std::optional<std::uint32_t> next_number() {
    const std::size_t start = position_;
    skip_whitespace_and_comments();
    if (position_ == bytes_.size()) return std::nullopt;
    if (position_ == start || !is_digit(bytes_[position_])) malformed("whitespace and a number");
    std::uint32_t value = 0;
    for (int digits = 0; position_ < bytes_.size() && is_digit(bytes_[position_]); ++digits, ++position_) {
      if (digits == 9) malformed("a number of at most 9 digits");
      value = value * 10 + (bytes_[position_] - '0');
    }
    return value;
  }

  std::uint32_t header_number(const char* what) {
    const auto value = next_number();
    if (!value) fail(path_, std::string("truncated PGM (the file ends before the ") + what + ")");
    return *value;
  }

  // A binary raster starts after exactly one whitespace character; per the netpbm specification a
  // comment may come first, and then the end of its line is that character.
  std::span<const std::uint8_t> binary_raster() {
    if (position_ == bytes_.size()) fail(path_, "truncated PGM (the file ends after the header)");
    if (bytes_[position_] == '#') {
      skip_comment();
    } else if (is_pgm_whitespace(bytes_[position_])) {
      ++position_;
    } else {
      malformed("one whitespace character after the maxval");
    }
    return bytes_.subspan(position_);
  }

 private:
  [[noreturn]] void malformed(const std::string& expected) const {
    fail(path_, "malformed PGM header (expected " + expected + " at byte " + std::to_string(position_) + ")");
  }

  void skip_comment() {
    while (position_ < bytes_.size() && bytes_[position_] != '\n' && bytes_[position_] != '\r') ++position_;
    if (position_ < bytes_.size()) ++position_;
  }

  void skip_whitespace_and_comments() {
    while (position_ < bytes_.size()) {
      if (bytes_[position_] == '#') {
        skip_comment();
      } else if (is_pgm_whitespace(bytes_[position_])) {
        ++position_;
      } else {
        break;
      }
    }
  }

  std::span<const std::uint8_t> bytes_;
  const std::string& path_;
  std::size_t position_ = 2;  // after the magic number
};

GreyImage read_pgm(std::span<const std::uint8_t> bytes, const std::string& path) {
  const bool plain = bytes[1] == '2';
  PgmTokens tokens(bytes, path);
  GreyImage image;
  const std::uint32_t width = tokens.header_number("width");
  check_side(path, "width", width);
  const std::uint32_t height = tokens.header_number("height");
  check_side(path, "height", height);
  const std::uint32_t maxval = tokens.header_number("maxval");
  if (maxval < 1 || maxval > 65535) fail(path, "PGM maxval " + std::to_string(maxval) + " is out of range (1 to 65535)");
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);

  const std::size_t samples = std::size_t{width} * height;
  // A sample takes at least one byte (binary) or a digit and a separator (plain): check what the header
  // claims against the file before allocating for it.
  if (bytes.size() < samples) {
    fail(path, "truncated PGM (a " + dimensions(width, height) + " image cannot fit in " +
                   std::to_string(bytes.size()) + " bytes)");
  }
  image.pixels.resize(samples);
  const auto store = [&](std::size_t index, std::uint32_t value) {
    if (value > maxval) {
      fail(path, "PGM sample " + std::to_string(index) + " is " + std::to_string(value) + ", over the maxval " +
                     std::to_string(maxval));
    }
    image.pixels[index] = static_cast<std::uint8_t>((value * 255 + maxval / 2) / maxval);  // rounded
  };

  if (plain) {
    for (std::size_t i = 0; i < samples; ++i) {
      const auto value = tokens.next_number();
      if (!value) {
        fail(path, "truncated PGM (the file ends after " + std::to_string(i) + " of the " +
                       std::to_string(samples) + " samples of a " + dimensions(width, height) + " image)");
      }
      store(i, *value);
    }
    return image;
  }

  const std::size_t bytes_per_sample = maxval < 256 ? 1 : 2;  // two-byte samples are big-endian
  const auto raster = tokens.binary_raster();
  // Anything after the raster (netpbm allows several images in one file) is ignored: we read the first.
  if (raster.size() < samples * bytes_per_sample) {
    fail(path, "truncated PGM (a " + dimensions(width, height) + " image needs " +
                   std::to_string(samples * bytes_per_sample) + " bytes of samples but " +
                   std::to_string(raster.size()) + " follow the header)");
  }
  for (std::size_t i = 0; i < samples; ++i) {
    store(i, bytes_per_sample == 1 ? raster[i] : std::uint32_t{raster[2 * i]} << 8 | raster[2 * i + 1]);
  }
  return image;
}

std::vector<std::uint8_t> encode_pgm(const GreyImage& image) {
  const std::string header = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  std::vector<std::uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), image.pixels.begin(), image.pixels.end());
  return bytes;
}

// ---- PNG ---------------------------------------------------------------------------------------------------

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

// Reads the header and asks libpng for 8-bit RGBA whatever the file holds: palettes and low bit depths
// expanded, 16-bit samples scaled with rounding (as for PGM), grey copied to R, G and B, and alpha taken from the file, from its
// tRNS chunk, or made opaque. False on a libpng error.
bool decode_png_header(PngSession& session, png_uint_32& width, png_uint_32& height) {
  if (setjmp(png_jmpbuf(session.png))) return false;
  png_set_read_fn(session.png, &session, read_png_bytes);
  png_read_info(session.png, session.info);
  width = png_get_image_width(session.png, session.info);
  height = png_get_image_height(session.png, session.info);
  png_set_expand(session.png);
  png_set_scale_16(session.png);
  png_set_gray_to_rgb(session.png);
  png_set_add_alpha(session.png, 0xFF, PNG_FILLER_AFTER);
  png_set_interlace_handling(session.png);
  png_read_update_info(session.png, session.info);
  return true;
}

bool decode_png_pixels(PngSession& session, png_bytepp rows) {
  if (setjmp(png_jmpbuf(session.png))) return false;
  png_read_image(session.png, rows);
  return true;
}

GreyImage read_png(std::span<const std::uint8_t> bytes, const std::string& path) {
  PngSession session(false);
  session.input = bytes;
  create(session, path);
  png_uint_32 width = 0, height = 0;
  if (!decode_png_header(session, width, height)) fail(path, std::string("invalid PNG: ") + session.message);
  check_side(path, "width", width);
  check_side(path, "height", height);
  // Deflate expands at most 1032-fold and a pixel takes at least one bit: bound what the header claims by
  // the file's size before allocating for it.
  constexpr std::size_t kMaxPixelsPerByte = 1032 * 8;
  if (std::size_t{width} * height > kMaxPixelsPerByte * bytes.size()) {
    fail(path, "invalid PNG: a " + dimensions(width, height) + " image cannot fit in " +
                   std::to_string(bytes.size()) + " bytes");
  }
  if (png_get_rowbytes(session.png, session.info) != 4 * std::size_t{width}) {
    fail(path, "libpng did not convert the image to 8-bit RGBA as asked");
  }

  Image rgba{static_cast<int>(width), static_cast<int>(height), 4, std::vector<std::uint8_t>(std::size_t{width} * height * 4)};
  std::vector<png_bytep> rows(height);
  for (std::size_t y = 0; y < height; ++y) rows[y] = rgba.pixels.data() + y * width * 4;
  if (!decode_png_pixels(session, rows.data())) fail(path, std::string("invalid PNG: ") + session.message);
  return to_grey(rgba);
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

void check_writable(const GreyImage& image, const std::string& path) {
  const bool sides_ok = image.width >= 1 && image.height >= 1 && static_cast<std::uint32_t>(image.width) <= kMaxSide &&
                        static_cast<std::uint32_t>(image.height) <= kMaxSide;
  if (!sides_ok || image.pixels.size() != std::size_t(image.width) * image.height) {
    fail(path, "cannot write a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                   " image that has " + std::to_string(image.pixels.size()) + " pixels");
  }
}

}  // namespace

GreyImage read_image(const std::string& path) {
  // 16384×16384 16-bit samples fit in 512 MiB; larger is not an image this tool reads.
  const std::vector<std::uint8_t> bytes = read_whole_file(path, std::size_t{512} << 20);
  if (bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0) return read_png(bytes, path);
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')) return read_pgm(bytes, path);
  fail(path, "unsupported image format (expected PGM or PNG)");
}

void write_pgm(const GreyImage& image, const std::string& path) {
  check_writable(image, path);
  write_file_atomically(path, encode_pgm(image));
}

void write_png(const GreyImage& image, const std::string& path) {
  check_writable(image, path);
  std::vector<std::uint8_t> bytes;
  PngSession session(true);
  session.output = &bytes;
  create(session, path);
  if (!encode_png(session, image)) fail(path, std::string("cannot encode PNG: ") + session.message);
  write_file_atomically(path, bytes);
}

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
