#pragma once
// The ONNX messages the exporter writes, as plain structs, and their protobuf encoding (onnx/onnx.proto,
// whose field numbers the encoder cites). Only what a feed-forward float graph needs: a model holding one
// graph of nodes, float and int64 initializers, and inputs and outputs with a shape.
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace lenet5::onnx {

// TensorProto.DataType.
enum class DataType : std::int32_t { float32 = 1, int64 = 7 };

// A constant (an initializer): its values as little-endian raw_data.
struct Tensor {
  std::string name;
  std::vector<std::int64_t> dims;
  DataType type = DataType::float32;
  std::vector<std::uint8_t> raw_data;
};
Tensor float_tensor(std::string name, std::vector<std::int64_t> dims, std::span<const float> values);
Tensor int64_tensor(std::string name, std::vector<std::int64_t> dims, std::span<const std::int64_t> values);

// A node attribute: an int, a float or a list of ints.
struct Attribute {
  std::string name;
  std::variant<std::int64_t, float, std::vector<std::int64_t>> value;
};

struct Node {
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::string name;
  std::vector<Attribute> attributes;
};

// A graph input or output: a float tensor whose dimensions are numbers or named (a dynamic batch: "N").
using Dimension = std::variant<std::int64_t, std::string>;
struct ValueInfo {
  std::string name;
  std::vector<Dimension> shape;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
};

struct Model {
  std::int64_t ir_version = 7;
  std::string producer_name;
  std::string producer_version;
  std::string doc_string;
  std::int64_t opset = 13;  // of the default domain, ai.onnx
  Graph graph;
};

// The protobuf bytes of each message (a .onnx file is an encoded Model).
std::vector<std::uint8_t> encode(const Tensor& tensor);
std::vector<std::uint8_t> encode(const Attribute& attribute);
std::vector<std::uint8_t> encode(const Node& node);
std::vector<std::uint8_t> encode(const ValueInfo& value);
std::vector<std::uint8_t> encode(const Graph& graph);
std::vector<std::uint8_t> encode(const Model& model);

}  // namespace lenet5::onnx
