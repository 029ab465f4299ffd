#pragma once
// The pieces the model file and the training checkpoint are both made of: the model file's magic (a
// checkpoint holds a model file), integers written byte by byte in little-endian order (so a file is the
// same on every host), CRC-32, and names escaped to stay on one line of a text block.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/error.hpp"

namespace lenet5 {

// The model file's first bytes: "LENET5", Ctrl-Z, a line feed (docs/model-format.md).
inline constexpr std::array<std::uint8_t, 8> kModelMagic{'L', 'E', 'N', 'E', 'T', '5', 0x1A, '\n'};

// CRC-32 as zlib, gzip and PNG compute it (the reflected polynomial 0xEDB88320, starting from and finally
// XORed with all ones): our own, so that the core needs no zlib (the WebAssembly build has none). Eight
// bytes a step by "slicing-by-8" (Kounavis & Berry, 2005): table k holds the CRC of a byte followed by k
// zero bytes, so the eight lookups of a step are independent. MNIST's training images (47 MB, a checkpoint's
// data fingerprint) then take about as long as with zlib's crc32 (0.10 s against 0.08 s measured here), not
// the byte-at-a-time loop's 0.45 s.
inline constexpr std::array<std::array<std::uint32_t, 256>, 8> kCrc32Tables = [] {
  std::array<std::array<std::uint32_t, 256>, 8> tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (crc & 1 ? 0xEDB88320u : 0u);
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t byte = 0; byte < 256; ++byte)
      tables[k][byte] = (tables[k - 1][byte] >> 8) ^ tables[0][tables[k - 1][byte] & 0xFFu];
  return tables;
}();

inline std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  const auto& table = kCrc32Tables;
  std::uint32_t crc = 0xFFFFFFFFu;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint32_t low = crc ^ (std::uint32_t{data[i]} | std::uint32_t{data[i + 1]} << 8 |
                                     std::uint32_t{data[i + 2]} << 16 | std::uint32_t{data[i + 3]} << 24);
    crc = table[7][low & 0xFFu] ^ table[6][(low >> 8) & 0xFFu] ^ table[5][(low >> 16) & 0xFFu] ^
          table[4][low >> 24] ^ table[3][data[i + 4]] ^ table[2][data[i + 5]] ^ table[1][data[i + 6]] ^
          table[0][data[i + 7]];
  }
  for (; i < size; ++i) crc = table[0][(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

template <typename Unsigned>
void put_le(std::vector<std::uint8_t>& out, Unsigned value) {
  for (std::size_t i = 0; i < sizeof(Unsigned); ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

template <typename Unsigned>
Unsigned get_le(const std::uint8_t* in) {
  Unsigned value = 0;
  for (std::size_t i = 0; i < sizeof(Unsigned); ++i) value |= static_cast<Unsigned>(Unsigned{in[i]} << (8 * i));
  return value;
}

// A backslash as \\, a line feed as \n, a carriage return as \r: any UTF-8 name then fits on its line.
inline std::string escape_name(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

// The reverse of escape_name; `context` starts the message of the lenet5::Error a bad escape throws.
inline std::string unescape_name(const std::string& text, const std::string& context) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    const char next = i + 1 < text.size() ? text[++i] : '\0';
    if (next == '\\') out += '\\';
    else if (next == 'n') out += '\n';
    else if (next == 'r') out += '\r';
    else throw Error(context + ": bad escape in a name (only \\\\, \\n and \\r exist)");
  }
  return out;
}

}  // namespace lenet5
