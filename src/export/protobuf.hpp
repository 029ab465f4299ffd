#pragma once
// Protocol Buffers' wire format, for writing alone: enough to encode the few ONNX messages the exporter
// needs (onnx_proto.hpp) without a protobuf library (docs/export.md says why). Fields are written in the
// order they are added; callers add them in field-number order, as protobuf's own serializers do, so
// the bytes match theirs.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace lenet5::protobuf {

class Writer {
 public:
  // Wire type 0: int32, int64, enum and bool fields. A negative int64 is its two's complement (ten bytes).
  void varint(int field, std::int64_t value);
  // Wire type 5: a float field.
  void float32(int field, float value);
  // Wire type 2: string, bytes, an embedded message (another Writer's bytes).
  void bytes(int field, std::span<const std::uint8_t> value);
  void string(int field, std::string_view value);
  void message(int field, const Writer& nested);

  const std::vector<std::uint8_t>& data() const { return data_; }

 private:
  void tag(int field, int wire_type);
  void raw_varint(std::uint64_t value);

  std::vector<std::uint8_t> data_;
};

}  // namespace lenet5::protobuf
