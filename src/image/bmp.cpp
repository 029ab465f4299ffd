// BMP, the Windows bitmap (the BITMAPCOREHEADER, BITMAPINFOHEADER and BITMAPV4/V5HEADER layouts of the Win32
// documentation). Our own reader rather than a library's: uncompressed BMP is a header and rows of bytes, and
// reading it ourselves keeps every size checked against the file before anything is allocated and every
// error specific. RLE-compressed and embedded JPEG/PNG bitmaps, rare outside old Windows, are refused.
#include <array>
#include <bit>

#include "image/codecs.hpp"

namespace lenet5::image_codec {
namespace {

constexpr std::size_t kFileHeaderSize = 14;

// Little-endian fields of the headers, bounds-checked.
class BmpFields {
 public:
  BmpFields(Bytes bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  std::uint32_t unsigned_at(std::uint64_t at, int size) const {
    if (at + size > bytes_.size()) {
      fail(name_, "truncated BMP (the file ends at byte " + std::to_string(bytes_.size()) + ", inside its header)");
    }
    std::uint32_t value = 0;
    for (int i = 0; i < size; ++i) value |= std::uint32_t{bytes_[at + i]} << (8 * i);
    return value;
  }
  std::uint32_t u16(std::uint64_t at) const { return unsigned_at(at, 2); }
  std::uint32_t u32(std::uint64_t at) const { return unsigned_at(at, 4); }
  std::int32_t s32(std::uint64_t at) const { return static_cast<std::int32_t>(u32(at)); }

 private:
  Bytes bytes_;
  const std::string& name_;
};

// One channel of a 16- or 32-bit pixel, selected by a contiguous bit mask and scaled to 0–255 with rounding.
class MaskedChannel {
 public:
  MaskedChannel() = default;
  MaskedChannel(std::uint32_t mask, const std::string& name) : mask_(mask) {
    if (mask == 0) return;
    shift_ = std::countr_zero(mask);
    max_ = (std::uint64_t{1} << std::popcount(mask)) - 1;
    if ((mask >> shift_) != max_) fail(name, "invalid BMP: colour mask " + std::to_string(mask) + " is not contiguous");
  }
  bool present() const { return mask_ != 0; }
  std::uint8_t operator()(std::uint32_t pixel) const {
    if (mask_ == 0) return 0;
    return static_cast<std::uint8_t>((((pixel & mask_) >> shift_) * 255 + max_ / 2) / max_);
  }

 private:
  std::uint32_t mask_ = 0;
  int shift_ = 0;
  std::uint64_t max_ = 0;
};

struct Rgb {
  std::uint8_t red = 0, green = 0, blue = 0;
};

}  // namespace

Image decode_bmp(Bytes bytes, const std::string& name) {
  const BmpFields fields(bytes, name);
  const std::uint32_t pixels_offset = fields.u32(10);
  const std::uint32_t header_size = fields.u32(kFileHeaderSize);
  const bool core_header = header_size == 12;  // OS/2 1.x and Windows 2: 16-bit sizes, 3-byte palette entries
  if (!core_header && header_size != 40 && header_size != 52 && header_size != 56 && header_size != 108 &&
      header_size != 124) {
    fail(name, "unsupported BMP header of " + std::to_string(header_size) + " bytes (expected 12, 40, 52, 56, 108 or 124)");
  }
  // Signed from 40 bytes on (a negative height means top-down rows); the 12-byte header's are unsigned.
  const std::int64_t width = core_header ? std::int64_t{fields.u16(18)} : std::int64_t{fields.s32(18)};
  const std::int64_t signed_height = core_header ? std::int64_t{fields.u16(20)} : std::int64_t{fields.s32(22)};
  const std::uint32_t planes = fields.u16(core_header ? 22 : 26);
  const std::uint32_t bits = fields.u16(core_header ? 24 : 28);
  enum Compression : std::uint32_t { kRgb = 0, kRle8 = 1, kRle4 = 2, kBitfields = 3, kJpeg = 4, kPng = 5, kAlphaBitfields = 6 };
  const std::uint32_t compression = core_header ? kRgb : fields.u32(30);

  if (width < 0) fail(name, "invalid BMP: negative width " + std::to_string(width));
  const bool top_down = signed_height < 0;  // rows are stored bottom-up unless the height is negative
  const std::uint64_t height = static_cast<std::uint64_t>(top_down ? -signed_height : signed_height);
  check_dimensions(name, static_cast<std::uint64_t>(width), height);
  if (planes != 1) fail(name, "invalid BMP: " + std::to_string(planes) + " colour planes (must be 1)");

  const bool bitfields = compression == kBitfields || compression == kAlphaBitfields;
  if (compression == kRle8 || compression == kRle4) {
    fail(name, "RLE-compressed BMP images are not supported: convert to PNG");
  } else if (compression == kJpeg || compression == kPng) {
    fail(name, "BMP images holding a JPEG or PNG are not supported: convert to PNG");
  } else if (compression != kRgb && !bitfields) {
    fail(name, "invalid BMP: unknown compression " + std::to_string(compression));
  }
  const bool palette_bits = bits == 1 || bits == 4 || bits == 8;
  if (bitfields ? bits != 16 && bits != 32 : !palette_bits && bits != 16 && bits != 24 && bits != 32) {
    fail(name, "unsupported BMP: " + std::to_string(bits) + " bits per pixel" + (bitfields ? " with bit fields" : ""));
  }

  // Bit masks: BI_RGB's fixed ones (16-bit is 5-5-5; the fourth byte of 32-bit is unused), else the header's
  // (from 52 bytes on) or the 3 or 4 that follow a 40-byte header.
  std::array<std::uint32_t, 4> masks{};  // red, green, blue, alpha
  if (!bitfields) {
    masks = bits == 16 ? std::array<std::uint32_t, 4>{0x7C00, 0x03E0, 0x001F, 0}
                       : std::array<std::uint32_t, 4>{0xFF0000, 0x00FF00, 0x0000FF, 0};
  } else {
    const bool alpha_mask = header_size >= 56 || compression == kAlphaBitfields;
    for (std::size_t i = 0; i < (alpha_mask ? 4u : 3u); ++i) masks[i] = fields.u32(kFileHeaderSize + 40 + 4 * i);
  }
  const MaskedChannel red(masks[0], name), green(masks[1], name), blue(masks[2], name), alpha(masks[3], name);

  std::array<Rgb, 256> palette{};
  std::uint32_t palette_size = 0;
  if (palette_bits) {
    const std::uint32_t entry_size = core_header ? 3 : 4;  // blue, green, red (, unused)
    const std::uint32_t colours_used = core_header ? 0 : fields.u32(46);
    palette_size = colours_used == 0 ? 1u << bits : colours_used;
    if (palette_size > 1u << bits) {
      fail(name, "invalid BMP: a palette of " + std::to_string(palette_size) + " colours for " + std::to_string(bits) +
                     "-bit pixels");
    }
    const std::uint64_t palette_start = kFileHeaderSize + header_size;
    for (std::uint32_t i = 0; i < palette_size; ++i) {
      const std::uint32_t entry = fields.unsigned_at(palette_start + std::uint64_t{i} * entry_size, 3);
      palette[i] = {static_cast<std::uint8_t>(entry >> 16), static_cast<std::uint8_t>(entry >> 8),
                    static_cast<std::uint8_t>(entry)};
    }
  }

  // Each row is padded to a multiple of 4 bytes.
  const std::uint64_t row_bytes = (static_cast<std::uint64_t>(width) * bits + 31) / 32 * 4;
  if (pixels_offset > bytes.size() || row_bytes * height > bytes.size() - pixels_offset) {
    fail(name, "truncated BMP (a " + dimensions(width, height) + " image at " + std::to_string(bits) + " bits needs " +
                   std::to_string(row_bytes * height) + " bytes from byte " + std::to_string(pixels_offset) +
                   ", but the file has " + std::to_string(bytes.size()) + ")");
  }

  const int channels = alpha.present() ? 4 : 3;
  Image image{static_cast<int>(width), static_cast<int>(height), channels,
              std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * channels)};
  std::uint8_t* out = image.pixels.data();
  for (std::uint64_t y = 0; y < height; ++y) {
    const std::uint8_t* row = bytes.data() + pixels_offset + row_bytes * (top_down ? y : height - 1 - y);
    for (std::int64_t x = 0; x < width; ++x, out += channels) {
      if (palette_bits) {
        const std::uint64_t bit = static_cast<std::uint64_t>(x) * bits;  // pixels fill bytes from the high bits
        const std::uint32_t index = (row[bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
        if (index >= palette_size) {
          fail(name, "invalid BMP: pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") uses colour " +
                         std::to_string(index) + " of a palette of " + std::to_string(palette_size));
        }
        out[0] = palette[index].red, out[1] = palette[index].green, out[2] = palette[index].blue;
      } else if (bits == 24) {
        const std::uint8_t* bgr = row + 3 * x;
        out[0] = bgr[2], out[1] = bgr[1], out[2] = bgr[0];
      } else {
        const std::uint8_t* at = row + x * (bits / 8);
        std::uint32_t pixel = 0;
        for (std::uint32_t i = 0; i < bits / 8; ++i) pixel |= std::uint32_t{at[i]} << (8 * i);
        out[0] = red(pixel), out[1] = green(pixel), out[2] = blue(pixel);
        if (channels == 4) out[3] = alpha(pixel);
      }
    }
  }
  return image;
}

}  // namespace lenet5::image_codec
