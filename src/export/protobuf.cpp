#include "export/protobuf.hpp"

#include <bit>

namespace lenet5::protobuf {

namespace {

enum WireType { kVarint = 0, kLengthDelimited = 2, kFixed32 = 5 };

}  // namespace

void Writer::raw_varint(std::uint64_t value) {
  // Seven bits a byte, least significant first; the high bit says another byte follows.
  while (value >= 0x80) {
    data_.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  data_.push_back(static_cast<std::uint8_t>(value));
}

void Writer::tag(int field, int wire_type) { raw_varint(std::uint64_t(field) << 3 | std::uint64_t(wire_type)); }

void Writer::varint(int field, std::int64_t value) {
  tag(field, kVarint);
  raw_varint(static_cast<std::uint64_t>(value));
}

void Writer::float32(int field, float value) {
  tag(field, kFixed32);
  const auto bits = std::bit_cast<std::uint32_t>(value);
  for (int shift = 0; shift < 32; shift += 8) data_.push_back(static_cast<std::uint8_t>(bits >> shift));
}

void Writer::bytes(int field, std::span<const std::uint8_t> value) {
  tag(field, kLengthDelimited);
  raw_varint(value.size());
  data_.insert(data_.end(), value.begin(), value.end());
}

void Writer::string(int field, std::string_view value) {
  bytes(field, {reinterpret_cast<const std::uint8_t*>(value.data()), value.size()});
}

void Writer::message(int field, const Writer& nested) { bytes(field, nested.data_); }

}  // namespace lenet5::protobuf
