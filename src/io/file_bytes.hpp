#pragma once
// The pieces the model file and the training checkpoint are both made of: the model file's magic (a
// checkpoint holds a model file), integers written byte by byte in little-endian order (so a file is the
// same on every host), zlib's CRC-32, and names escaped to stay on one line of a text block.
#include <zlib.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/error.hpp"

namespace lenet5 {

// The model file's first bytes: "LENET5", Ctrl-Z, a line feed (docs/model-format.md).
inline constexpr std::array<std::uint8_t, 8> kModelMagic{'L', 'E', 'N', 'E', 'T', '5', 0x1A, '\n'};

inline std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  return static_cast<std::uint32_t>(crc32_z(crc32_z(0, nullptr, 0), data, size));
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
