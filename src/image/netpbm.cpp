// Netpbm grey and colour images: PGM (P2 plain, P5 binary; netpbm.sourceforge.net/doc/pgm.html) and PPM (P3,
// P6; .../ppm.html), and writing binary PGM.
#include <optional>

#include "image/codecs.hpp"
#include "io/atomic_file.hpp"
#include "lenet5/image_io.hpp"

namespace lenet5::image_codec {
namespace {

bool is_whitespace(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }

// The whitespace-separated numbers of a header, and of a plain (P2, P3) raster. A comment runs from '#'
// to the end of its line and counts as whitespace. `kind` (PGM or PPM) names the format in errors.
class NetpbmTokens {
 public:
  NetpbmTokens(Bytes bytes, const std::string& name, const char* kind) : bytes_(bytes), name_(name), kind_(kind) {}

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
    if (!value) truncated(std::string("the file ends before the ") + what);
    return *value;
  }

  // A binary raster starts after exactly one whitespace character; per the netpbm specification a
  // comment may come first, and then the end of its line is that character.
  Bytes binary_raster() {
    if (position_ == bytes_.size()) truncated("the file ends after the header");
    if (bytes_[position_] == '#') {
      skip_comment();
    } else if (is_whitespace(bytes_[position_])) {
      ++position_;
    } else {
      malformed("one whitespace character after the maxval");
    }
    return bytes_.subspan(position_);
  }

  [[noreturn]] void truncated(const std::string& why) const { fail(name_, "truncated " + kind_ + " (" + why + ")"); }

 private:
  [[noreturn]] void malformed(const std::string& expected) const {
    fail(name_, "malformed " + kind_ + " header (expected " + expected + " at byte " + std::to_string(position_) + ")");
  }

  void skip_comment() {
    while (position_ < bytes_.size() && bytes_[position_] != '\n' && bytes_[position_] != '\r') ++position_;
    if (position_ < bytes_.size()) ++position_;
  }

  void skip_whitespace_and_comments() {
    while (position_ < bytes_.size()) {
      if (bytes_[position_] == '#') {
        skip_comment();
      } else if (is_whitespace(bytes_[position_])) {
        ++position_;
      } else {
        break;
      }
    }
  }

  Bytes bytes_;
  const std::string& name_;
  std::string kind_;
  std::size_t position_ = 2;  // after the magic number
};

}  // namespace

Image decode_netpbm(Bytes bytes, const std::string& name) {
  const bool plain = bytes[1] == '2' || bytes[1] == '3';
  const bool colour = bytes[1] == '3' || bytes[1] == '6';
  const std::string kind = colour ? "PPM" : "PGM";
  NetpbmTokens tokens(bytes, name, kind.c_str());
  const std::uint32_t width = tokens.header_number("width");
  const std::uint32_t height = tokens.header_number("height");
  check_dimensions(name, width, height);
  const std::uint32_t maxval = tokens.header_number("maxval");
  if (maxval < 1 || maxval > 65535) {
    fail(name, kind + " maxval " + std::to_string(maxval) + " is out of range (1 to 65535)");
  }

  const int channels = colour ? 3 : 1;
  const std::size_t samples = std::size_t{width} * height * channels;
  // A sample takes at least one byte (binary) or a digit and a separator (plain): check what the header
  // claims against the file before allocating for it.
  if (bytes.size() < samples) {
    tokens.truncated("a " + dimensions(width, height) + " image cannot fit in " + std::to_string(bytes.size()) +
                     " bytes");
  }
  Image image{static_cast<int>(width), static_cast<int>(height), channels, std::vector<std::uint8_t>(samples)};
  const auto store = [&](std::size_t index, std::uint32_t value) {
    if (value > maxval) {
      fail(name, kind + " sample " + std::to_string(index) + " is " + std::to_string(value) + ", over the maxval " +
                     std::to_string(maxval));
    }
    image.pixels[index] = static_cast<std::uint8_t>((value * 255 + maxval / 2) / maxval);  // rounded
  };

  if (plain) {
    for (std::size_t i = 0; i < samples; ++i) {
      const auto value = tokens.next_number();
      if (!value) {
        tokens.truncated("the file ends after " + std::to_string(i) + " of the " + std::to_string(samples) +
                         " samples of a " + dimensions(width, height) + " image");
      }
      store(i, *value);
    }
    return image;
  }

  const std::size_t bytes_per_sample = maxval < 256 ? 1 : 2;  // two-byte samples are big-endian
  const Bytes raster = tokens.binary_raster();
  // Anything after the raster (netpbm allows several images in one file) is ignored: we read the first.
  if (raster.size() < samples * bytes_per_sample) {
    tokens.truncated("a " + dimensions(width, height) + " image needs " + std::to_string(samples * bytes_per_sample) +
                     " bytes of samples but " + std::to_string(raster.size()) + " follow the header");
  }
  for (std::size_t i = 0; i < samples; ++i) {
    store(i, bytes_per_sample == 1 ? raster[i] : std::uint32_t{raster[2 * i]} << 8 | raster[2 * i + 1]);
  }
  return image;
}

}  // namespace lenet5::image_codec

namespace lenet5 {

void write_pgm(const GreyImage& image, const std::string& path) {
  image_codec::check_writable(image, path);
  const std::string header = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";
  std::vector<std::uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), image.pixels.begin(), image.pixels.end());
  write_file_atomically(path, bytes);
}

}  // namespace lenet5
