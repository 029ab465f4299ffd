// EXIF orientation: which way up a camera held the picture it stored unrotated. Exif 2.32 (CIPA DC-008)
// §4.5.4 puts a TIFF structure in the JPEG's APP1 segment; tag 0x0112 in its first IFD says where the stored
// rows and columns go. Only that tag is read, so a few bounds-checked lines do it: no EXIF library needed.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

#include "image/codecs.hpp"

namespace lenet5::image_codec {

int exif_orientation(Bytes app1) {
  constexpr std::string_view kExifHeader("Exif\0\0", 6);
  if (app1.size() < kExifHeader.size() || !std::equal(kExifHeader.begin(), kExifHeader.end(), app1.begin())) return 1;
  const Bytes tiff = app1.subspan(kExifHeader.size());
  // TIFF header: "II" (little-endian) or "MM" (big-endian), 42, the offset of the first IFD from its start.
  if (tiff.size() < 8 || tiff[0] != tiff[1] || (tiff[0] != 'I' && tiff[0] != 'M')) return 1;
  const bool little_endian = tiff[0] == 'I';
  // Offsets are 64-bit so that an offset near 2^32 plus an entry's size cannot wrap.
  const auto read = [&](std::uint64_t at, int size) -> std::optional<std::uint32_t> {
    if (at + size > tiff.size()) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 0; i < size; ++i) {
      const int shift = 8 * (little_endian ? i : size - 1 - i);
      value |= std::uint32_t{tiff[at + i]} << shift;
    }
    return value;
  };
  if (read(2, 2) != 42u) return 1;
  const std::uint64_t ifd = *read(4, 4);
  const auto entries = read(ifd, 2);
  if (!entries) return 1;
  // Each entry: tag (2 bytes), type (2), count (4), then the value itself when it fits in 4 bytes.
  for (std::uint64_t entry = ifd + 2; entry < ifd + 2 + 12 * std::uint64_t{*entries}; entry += 12) {
    const auto tag = read(entry, 2);
    if (!tag) return 1;
    if (*tag != 0x0112) continue;
    constexpr std::uint32_t kShort = 3;  // one 16-bit value, in the first two bytes of the value field
    if (read(entry + 2, 2) != kShort || read(entry + 4, 4) != 1u) return 1;
    const std::uint32_t orientation = read(entry + 8, 2).value_or(1);
    return orientation >= 1 && orientation <= 8 ? static_cast<int>(orientation) : 1;
  }
  return 1;
}

Image apply_orientation(Image stored, int orientation) {
  if (orientation == 1) return stored;
  const bool transposed = orientation >= 5;  // 5–8 swap width and height
  const int width = stored.width, height = stored.height, channels = stored.channels;
  Image shown{transposed ? height : width, transposed ? width : height, channels,
              std::vector<std::uint8_t>(stored.pixels.size())};
  for (int y = 0; y < shown.height; ++y) {
    for (int x = 0; x < shown.width; ++x) {
      // The stored pixel shown at (x, y): Exif's table of the 0th row's and 0th column's visual positions.
      int from_x = x, from_y = y;
      switch (orientation) {
        case 2: from_x = width - 1 - x; break;                             // mirrored left to right
        case 3: from_x = width - 1 - x; from_y = height - 1 - y; break;    // upside down
        case 4: from_y = height - 1 - y; break;                            // mirrored top to bottom
        case 5: from_x = y; from_y = x; break;                             // transposed
        case 6: from_x = y; from_y = height - 1 - x; break;                // turned 90° clockwise to show
        case 7: from_x = width - 1 - y; from_y = height - 1 - x; break;    // transverse
        case 8: from_x = width - 1 - y; from_y = x; break;                 // turned 90° anticlockwise to show
        default: break;
      }
      std::memcpy(&shown.pixels[(std::size_t(y) * shown.width + x) * channels],
                  &stored.pixels[(std::size_t(from_y) * width + from_x) * channels], channels);
    }
  }
  return shown;
}

}  // namespace lenet5::image_codec
