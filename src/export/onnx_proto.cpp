#include "export/onnx_proto.hpp"

#include <bit>

#include "export/protobuf.hpp"

namespace lenet5::onnx {

namespace {

using protobuf::Writer;

// AttributeProto.AttributeType.
enum AttributeType { kFloat = 1, kInt = 2, kInts = 7 };

template <class T>
std::vector<std::uint8_t> little_endian(std::span<const T> values) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  std::vector<std::uint8_t> bytes;
  bytes.reserve(values.size() * sizeof(T));
  for (const T value : values) {
    const auto bits = std::bit_cast<Bits>(value);
    for (std::size_t shift = 0; shift < 8 * sizeof(T); shift += 8) bytes.push_back(static_cast<std::uint8_t>(bits >> shift));
  }
  return bytes;
}

Writer write(const Tensor& tensor) {  // TensorProto
  Writer out;
  for (const std::int64_t dim : tensor.dims) out.varint(1, dim);
  out.varint(2, static_cast<std::int32_t>(tensor.type));
  out.string(8, tensor.name);
  out.bytes(9, tensor.raw_data);
  return out;
}

Writer write(const Attribute& attribute) {  // AttributeProto
  Writer out;
  out.string(1, attribute.name);
  AttributeType type = kInt;
  if (const auto* f = std::get_if<float>(&attribute.value)) {
    out.float32(2, *f);
    type = kFloat;
  } else if (const auto* i = std::get_if<std::int64_t>(&attribute.value)) {
    out.varint(3, *i);
  } else {
    for (const std::int64_t value : std::get<std::vector<std::int64_t>>(attribute.value)) out.varint(8, value);
    type = kInts;
  }
  out.varint(20, type);
  return out;
}

Writer write(const Node& node) {  // NodeProto
  Writer out;
  for (const auto& input : node.inputs) out.string(1, input);
  for (const auto& output : node.outputs) out.string(2, output);
  out.string(3, node.name);
  out.string(4, node.op_type);
  for (const auto& attribute : node.attributes) out.message(5, write(attribute));
  return out;
}

Writer write(const ValueInfo& value) {  // ValueInfoProto
  Writer shape;  // TensorShapeProto
  for (const Dimension& dimension : value.shape) {
    Writer dim;  // TensorShapeProto.Dimension: dim_value or dim_param
    if (const auto* size = std::get_if<std::int64_t>(&dimension)) dim.varint(1, *size);
    else dim.string(2, std::get<std::string>(dimension));
    shape.message(1, dim);
  }
  Writer tensor_type;  // TypeProto.Tensor
  tensor_type.varint(1, static_cast<std::int32_t>(DataType::float32));
  tensor_type.message(2, shape);
  Writer type;  // TypeProto
  type.message(1, tensor_type);
  Writer out;
  out.string(1, value.name);
  out.message(2, type);
  return out;
}

Writer write(const Graph& graph) {  // GraphProto
  Writer out;
  for (const auto& node : graph.nodes) out.message(1, write(node));
  out.string(2, graph.name);
  for (const auto& tensor : graph.initializers) out.message(5, write(tensor));
  for (const auto& input : graph.inputs) out.message(11, write(input));
  for (const auto& output : graph.outputs) out.message(12, write(output));
  return out;
}

Writer write(const Model& model) {  // ModelProto
  Writer out;
  out.varint(1, model.ir_version);
  out.string(2, model.producer_name);
  out.string(3, model.producer_version);
  out.string(6, model.doc_string);
  out.message(7, write(model.graph));
  Writer opset;  // OperatorSetIdProto: the default domain "" at this version
  opset.string(1, "");
  opset.varint(2, model.opset);
  out.message(8, opset);
  return out;
}

}  // namespace

Tensor float_tensor(std::string name, std::vector<std::int64_t> dims, std::span<const float> values) {
  return {std::move(name), std::move(dims), DataType::float32, little_endian(values)};
}

Tensor int64_tensor(std::string name, std::vector<std::int64_t> dims, std::span<const std::int64_t> values) {
  return {std::move(name), std::move(dims), DataType::int64, little_endian(values)};
}

std::vector<std::uint8_t> encode(const Tensor& tensor) { return write(tensor).data(); }
std::vector<std::uint8_t> encode(const Attribute& attribute) { return write(attribute).data(); }
std::vector<std::uint8_t> encode(const Node& node) { return write(node).data(); }
std::vector<std::uint8_t> encode(const ValueInfo& value) { return write(value).data(); }
std::vector<std::uint8_t> encode(const Graph& graph) { return write(graph).data(); }
std::vector<std::uint8_t> encode(const Model& model) { return write(model).data(); }

}  // namespace lenet5::onnx
