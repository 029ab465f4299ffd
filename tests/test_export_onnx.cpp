// The ONNX exporter: the protobuf bytes of each message kind pinned against Python onnx's own serializer,
// the exported graphs' structure for both presets, and the graph itself run by a small reference
// interpreter (below, in double precision, from the file's bytes alone) against the Classifier's scores.
// The 10,000-image check in ONNX Runtime and the official checker are scripts/check-onnx.sh's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "export/onnx_proto.hpp"
#include "export/protobuf.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/export.hpp"
#include "lenet5/model.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;
using Dims = std::vector<std::int64_t>;

// ---------------------------------------------------------------------------------------------------------
// Encodings pinned. The expected bytes are Python onnx 1.12's SerializeToString() of the same message built
// with onnx.helper (e.g. helper.make_node("Conv", ["x","w"], ["y"], name="c", kernel_shape=[5,5])).

TEST(Protobuf, WireFormatOfEachKind) {
  lenet5::protobuf::Writer writer;
  writer.varint(1, 150);  // the protobuf documentation's example: 08 96 01
  writer.varint(3, -1);   // a negative int64: ten bytes
  writer.float32(2, 0.5f);
  writer.string(2, "testing");
  const Bytes expected{0x08, 0x96, 0x01, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                       0x15, 0x00, 0x00, 0x00, 0x3f, 0x12, 0x07, 't',  'e',  's',  't',  'i',  'n',  'g'};
  EXPECT_EQ(writer.data(), expected);
}

TEST(OnnxProto, TensorsAsRawLittleEndianData) {
  const float values[] = {1.0f, -2.0f};
  EXPECT_EQ(lenet5::onnx::encode(lenet5::onnx::float_tensor("w", {2}, values)),
            (Bytes{0x08, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0}));
  const std::int64_t one[] = {1};
  EXPECT_EQ(lenet5::onnx::encode(lenet5::onnx::int64_tensor("a", {1}, one)),
            (Bytes{0x08, 0x01, 0x10, 0x07, 0x42, 0x01, 0x61, 0x4a, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST(OnnxProto, AttributesNodesAndValueInfo) {
  EXPECT_EQ(lenet5::onnx::encode(lenet5::onnx::Attribute{"axis", std::int64_t{-1}}),
            (Bytes{0x0a, 0x04, 'a', 'x', 'i', 's', 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xa0, 0x01, 0x02}));
  EXPECT_EQ(lenet5::onnx::encode(lenet5::onnx::Attribute{"alpha", 0.5f}),
            (Bytes{0x0a, 0x05, 'a', 'l', 'p', 'h', 'a', 0x15, 0x00, 0x00, 0x00, 0x3f, 0xa0, 0x01, 0x01}));
  const lenet5::onnx::Node conv{"Conv", {"x", "w"}, {"y"}, "c", {{"kernel_shape", Dims{5, 5}}}};
  EXPECT_EQ(lenet5::onnx::encode(conv),
            (Bytes{0x0a, 0x01, 'x', 0x0a, 0x01, 'w', 0x12, 0x01, 'y', 0x1a, 0x01, 'c', 0x22, 0x04, 'C', 'o', 'n', 'v',
                   0x2a, 0x15, 0x0a, 0x0c, 'k', 'e', 'r', 'n', 'e', 'l', '_', 's', 'h', 'a', 'p', 'e', 0x40, 0x05,
                   0x40, 0x05, 0xa0, 0x01, 0x07}));
  const lenet5::onnx::ValueInfo image{"image", {"N", 1, 32, 32}};
  EXPECT_EQ(lenet5::onnx::encode(image),
            (Bytes{0x0a, 0x05, 'i', 'm', 'a', 'g', 'e', 0x12, 0x17, 0x0a, 0x15, 0x08, 0x01, 0x12, 0x11, 0x0a, 0x03,
                   0x12, 0x01, 'N', 0x0a, 0x02, 0x08, 0x01, 0x0a, 0x02, 0x08, 0x20, 0x0a, 0x02, 0x08, 0x20}));
}

TEST(OnnxProto, ModelWithItsGraphAndOpset) {
  // helper.make_model(helper.make_graph([Relu x → y named r], "g", [x: N×2], [y: N×2], [b = 0.25]),
  //                   producer_name="lenet5", producer_version="0.1.0", doc_string="d",
  //                   opset_imports=[helper.make_opsetid("", 13)], ir_version=7)
  lenet5::onnx::Model model;
  model.producer_name = "lenet5";
  model.producer_version = "0.1.0";
  model.doc_string = "d";
  model.graph.name = "g";
  model.graph.nodes.push_back({"Relu", {"x"}, {"y"}, "r", {}});
  const float quarter = 0.25f;
  model.graph.initializers.push_back(lenet5::onnx::float_tensor("b", {}, std::span(&quarter, 1)));
  model.graph.inputs.push_back({"x", {"N", 2}});
  model.graph.outputs.push_back({"y", {"N", 2}});
  const Bytes graph{0x0a, 0x0f, 0x0a, 0x01, 'x', 0x12, 0x01, 'y', 0x1a, 0x01, 'r', 0x22, 0x04, 'R', 'e', 'l', 'u',
                    0x12, 0x01, 'g', 0x2a, 0x0b, 0x10, 0x01, 0x42, 0x01, 'b', 0x4a, 0x04, 0x00, 0x00, 0x80, 0x3e,
                    0x5a, 0x14, 0x0a, 0x01, 'x', 0x12, 0x0f, 0x0a, 0x0d, 0x08, 0x01, 0x12, 0x09, 0x0a, 0x03, 0x12,
                    0x01, 'N', 0x0a, 0x02, 0x08, 0x02, 0x62, 0x14, 0x0a, 0x01, 'y', 0x12, 0x0f, 0x0a, 0x0d, 0x08,
                    0x01, 0x12, 0x09, 0x0a, 0x03, 0x12, 0x01, 'N', 0x0a, 0x02, 0x08, 0x02};
  Bytes expected{0x08, 0x07, 0x12, 0x06, 'l', 'e', 'n', 'e', 't', '5', 0x1a, 0x05, '0', '.', '1', '.', '0',
                 0x32, 0x01, 'd', 0x3a, 0x4d};
  expected.insert(expected.end(), graph.begin(), graph.end());
  expected.insert(expected.end(), {0x42, 0x04, 0x0a, 0x00, 0x10, 0x0d});
  EXPECT_EQ(lenet5::onnx::encode(model), expected);
}

// ---------------------------------------------------------------------------------------------------------
// Reading an exported file back: a protobuf decoder and the ONNX messages the exporter writes.

struct Field {
  int number = 0;
  std::uint64_t value = 0;  // varint or fixed32
  Bytes bytes;              // length-delimited
};

std::uint64_t read_varint(std::span<const std::uint8_t> data, std::size_t& at) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= data.size()) throw std::runtime_error("truncated varint");
    const std::uint8_t byte = data[at++];
    value |= std::uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return value;
  }
  throw std::runtime_error("varint longer than ten bytes");
}

std::vector<Field> decode(std::span<const std::uint8_t> data) {
  std::vector<Field> fields;
  for (std::size_t at = 0; at < data.size();) {
    const std::uint64_t tag = read_varint(data, at);
    Field field;
    field.number = int(tag >> 3);
    switch (tag & 7) {
      case 0: field.value = read_varint(data, at); break;
      case 5:
        if (at + 4 > data.size()) throw std::runtime_error("truncated fixed32");
        for (int i = 0; i < 4; ++i) field.value |= std::uint64_t(data[at + i]) << (8 * i);
        at += 4;
        break;
      case 2: {
        const std::uint64_t size = read_varint(data, at);
        if (size > data.size() - at) throw std::runtime_error("truncated bytes");
        field.bytes.assign(data.begin() + std::ptrdiff_t(at), data.begin() + std::ptrdiff_t(at + size));
        at += size;
        break;
      }
      default: throw std::runtime_error("unexpected wire type " + std::to_string(tag & 7));
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

std::string text(const Field& field) { return {field.bytes.begin(), field.bytes.end()}; }

// A tensor's values in double; its dims.
struct Array {
  Dims dims;
  std::vector<double> values;
};

struct DecodedNode {
  std::string op_type, name;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, Dims> ints;  // an int attribute as one value
  std::map<std::string, float> floats;
};

struct DecodedModel {
  std::int64_t ir_version = 0, opset = 0;
  std::string domain = "?";
  std::vector<DecodedNode> nodes;
  std::map<std::string, Array> initializers;
  std::vector<std::pair<std::string, std::vector<std::string>>> inputs, outputs;  // dims as text ("N", "32")
};

Array decode_tensor(const std::vector<Field>& fields, std::string& name) {
  Array array;
  std::int64_t type = 0;
  Bytes raw;
  for (const Field& field : fields) {
    if (field.number == 1) array.dims.push_back(std::int64_t(field.value));
    if (field.number == 2) type = std::int64_t(field.value);
    if (field.number == 8) name = text(field);
    if (field.number == 9) raw = field.bytes;
  }
  const std::size_t width = type == 1 ? 4 : 8;
  for (std::size_t at = 0; at + width <= raw.size(); at += width) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < width; ++i) bits |= std::uint64_t(raw[at + i]) << (8 * i);
    array.values.push_back(type == 1 ? double(std::bit_cast<float>(std::uint32_t(bits))) : double(std::int64_t(bits)));
  }
  return array;
}

std::pair<std::string, std::vector<std::string>> decode_value_info(const std::vector<Field>& fields) {
  std::pair<std::string, std::vector<std::string>> value;
  for (const Field& field : fields) {
    if (field.number == 1) value.first = text(field);
    if (field.number != 2) continue;
    for (const Field& tensor_type : decode(decode(field.bytes).at(0).bytes)) {
      if (tensor_type.number == 1 && tensor_type.value != 1) throw std::runtime_error("not a float tensor");
      if (tensor_type.number != 2) continue;
      for (const Field& dim : decode(tensor_type.bytes)) {
        const Field size = decode(dim.bytes).at(0);
        value.second.push_back(size.number == 1 ? std::to_string(size.value) : text(size));
      }
    }
  }
  return value;
}

DecodedNode decode_node(const std::vector<Field>& fields) {
  DecodedNode node;
  for (const Field& field : fields) {
    if (field.number == 1) node.inputs.push_back(text(field));
    if (field.number == 2) node.outputs.push_back(text(field));
    if (field.number == 3) node.name = text(field);
    if (field.number == 4) node.op_type = text(field);
    if (field.number != 5) continue;
    std::string name;
    for (const Field& attribute : decode(field.bytes)) {
      if (attribute.number == 1) name = text(attribute);
      if (attribute.number == 2) node.floats[name] = std::bit_cast<float>(std::uint32_t(attribute.value));
      if (attribute.number == 3 || attribute.number == 8) node.ints[name].push_back(std::int64_t(attribute.value));
    }
  }
  return node;
}

DecodedModel decode_model(const Bytes& bytes) {
  DecodedModel model;
  for (const Field& field : decode(bytes)) {
    if (field.number == 1) model.ir_version = std::int64_t(field.value);
    if (field.number == 8)
      for (const Field& opset : decode(field.bytes)) {
        if (opset.number == 1) model.domain = text(opset);
        if (opset.number == 2) model.opset = std::int64_t(opset.value);
      }
    if (field.number != 7) continue;
    for (const Field& item : decode(field.bytes)) {
      if (item.number == 1) model.nodes.push_back(decode_node(decode(item.bytes)));
      if (item.number == 5) {
        std::string name;
        Array array = decode_tensor(decode(item.bytes), name);
        model.initializers[name] = std::move(array);
      }
      if (item.number == 11) model.inputs.push_back(decode_value_info(decode(item.bytes)));
      if (item.number == 12) model.outputs.push_back(decode_value_info(decode(item.bytes)));
    }
  }
  return model;
}

// ---------------------------------------------------------------------------------------------------------
// A reference interpreter for the operators the exporter uses, as the ONNX operator documents define them
// (opset 13), in double precision. Anything else, or an attribute it does not know, fails the test.

std::size_t element_count(const Dims& dims) {
  std::size_t count = 1;
  for (const std::int64_t dim : dims) count *= std::size_t(dim);
  return count;
}

// Numpy-style broadcasting of a binary operator.
template <class Op>
Array broadcast(const Array& a, const Array& b, Op op) {
  const std::size_t rank = std::max(a.dims.size(), b.dims.size());
  const auto aligned = [rank](const Dims& dims) {
    Dims out(rank - dims.size(), 1);
    out.insert(out.end(), dims.begin(), dims.end());
    return out;
  };
  const Dims da = aligned(a.dims), db = aligned(b.dims);
  Array out;
  for (std::size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) throw std::runtime_error("shapes do not broadcast");
    out.dims.push_back(std::max(da[i], db[i]));
  }
  out.values.resize(element_count(out.dims));
  for (std::size_t flat = 0; flat < out.values.size(); ++flat) {
    std::size_t rest = flat, index_a = 0, index_b = 0, stride_a = 1, stride_b = 1;
    for (std::size_t axis = rank; axis-- > 0;) {
      const std::size_t coordinate = rest % std::size_t(out.dims[axis]);
      rest /= std::size_t(out.dims[axis]);
      if (da[axis] != 1) index_a += coordinate * stride_a;
      if (db[axis] != 1) index_b += coordinate * stride_b;
      stride_a *= std::size_t(da[axis]);
      stride_b *= std::size_t(db[axis]);
    }
    out.values[flat] = op(a.values[index_a], b.values[index_b]);
  }
  return out;
}

template <class Op>
Array unary(Array x, Op op) {
  for (double& value : x.values) value = op(value);
  return x;
}

void expect_attributes(const DecodedNode& node, const std::map<std::string, Dims>& ints) {
  if (node.ints != ints || !node.floats.empty()) throw std::runtime_error(node.name + ": unexpected attributes");
}

Array conv(const DecodedNode& node, const Array& x, const Array& w, const Array& b) {
  const std::int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], width = x.dims[3], o = w.dims[0], k = w.dims[2];
  expect_attributes(node, {{"kernel_shape", {k, k}}});
  if (w.dims[1] != c) throw std::runtime_error(node.name + ": weight does not fit the input");
  Array out{{n, o, h - k + 1, width - k + 1}, {}};
  const std::int64_t oh = out.dims[2], ow = out.dims[3];
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t m = 0; m < o; ++m)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t xx = 0; xx < ow; ++xx) {
          double sum = b.values[std::size_t(m)];
          for (std::int64_t ch = 0; ch < c; ++ch)
            for (std::int64_t ky = 0; ky < k; ++ky)
              for (std::int64_t kx = 0; kx < k; ++kx)
                sum += w.values[std::size_t(((m * c + ch) * k + ky) * k + kx)] *
                       x.values[std::size_t(((i * c + ch) * h + y + ky) * width + xx + kx)];
          out.values.push_back(sum);
        }
  return out;
}

Array pool(const DecodedNode& node, const Array& x, bool average) {
  expect_attributes(node, {{"kernel_shape", {2, 2}}, {"strides", {2, 2}}});
  const std::int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
  Array out{{n, c, h / 2, w / 2}, {}};
  for (std::int64_t plane = 0; plane < n * c; ++plane)
    for (std::int64_t y = 0; y < h / 2; ++y)
      for (std::int64_t xx = 0; xx < w / 2; ++xx) {
        const auto at = [&](std::int64_t dy, std::int64_t dx) { return x.values[std::size_t((plane * h + 2 * y + dy) * w + 2 * xx + dx)]; };
        const double a = at(0, 0), b = at(0, 1), cc = at(1, 0), d = at(1, 1);
        out.values.push_back(average ? (a + b + cc + d) / 4 : std::max({a, b, cc, d}));
      }
  return out;
}

Array gemm(const DecodedNode& node, const Array& a, const Array& b, const Array& c) {
  expect_attributes(node, {{"transB", {1}}});
  const std::int64_t n = a.dims[0], k = a.dims[1], o = b.dims[0];
  if (b.dims[1] != k) throw std::runtime_error(node.name + ": weight does not fit the input");
  Array out{{n, o}, {}};
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t m = 0; m < o; ++m) {
      double sum = c.values[std::size_t(m)];
      for (std::int64_t j = 0; j < k; ++j) sum += a.values[std::size_t(i * k + j)] * b.values[std::size_t(m * k + j)];
      out.values.push_back(sum);
    }
  return out;
}

// The graph's outputs, by name, for `input` bound to the graph's one input.
std::map<std::string, Array> run_graph(const DecodedModel& model, const Array& input) {
  std::map<std::string, Array> values = model.initializers;
  values[model.inputs.at(0).first] = input;
  for (const DecodedNode& node : model.nodes) {
    std::vector<const Array*> in;
    for (const std::string& name : node.inputs) in.push_back(&values.at(name));
    const std::string& op = node.op_type;
    Array out;
    if (op == "Mul" || op == "Add" || op == "Sub") {
      expect_attributes(node, {});
      out = broadcast(*in[0], *in[1], [&op](double a, double b) { return op == "Mul" ? a * b : op == "Add" ? a + b : a - b; });
    } else if (op == "Relu" || op == "Tanh" || op == "Sigmoid" || op == "Neg") {
      expect_attributes(node, {});
      out = unary(*in[0], [&op](double a) {
        return op == "Relu" ? std::max(a, 0.0) : op == "Tanh" ? std::tanh(a) : op == "Sigmoid" ? 1 / (1 + std::exp(-a)) : -a;
      });
    } else if (op == "Conv") {
      out = conv(node, *in[0], *in[1], *in[2]);
    } else if (op == "AveragePool" || op == "MaxPool") {
      out = pool(node, *in[0], op == "AveragePool");
    } else if (op == "Flatten") {
      expect_attributes(node, {{"axis", {1}}});
      out = *in[0];
      out.dims = {in[0]->dims[0], std::int64_t(element_count(in[0]->dims) / std::size_t(in[0]->dims[0]))};
    } else if (op == "Gemm") {
      out = gemm(node, *in[0], *in[1], *in[2]);
    } else if (op == "Unsqueeze") {
      expect_attributes(node, {});
      out = *in[0];
      const auto axis = std::int64_t(in[1]->values.at(0));
      out.dims.insert(out.dims.begin() + axis, 1);
    } else if (op == "ReduceSumSquare") {
      const std::int64_t last = std::int64_t(in[0]->dims.size()) - 1;
      expect_attributes(node, {{"axes", {last}}, {"keepdims", {0}}});
      const std::size_t inner = std::size_t(in[0]->dims.back());
      out.dims.assign(in[0]->dims.begin(), in[0]->dims.end() - 1);
      for (std::size_t row = 0; row < in[0]->values.size() / inner; ++row) {
        double sum = 0;
        for (std::size_t j = 0; j < inner; ++j) sum += in[0]->values[row * inner + j] * in[0]->values[row * inner + j];
        out.values.push_back(sum);
      }
    } else {
      throw std::runtime_error("the interpreter does not know " + op);
    }
    values[node.outputs.at(0)] = std::move(out);
  }
  std::map<std::string, Array> outputs;
  for (const auto& [name, dims] : model.outputs) outputs[name] = values.at(name);
  return outputs;
}

// ---------------------------------------------------------------------------------------------------------
// The exported graphs

lenet5::Model shipped(const std::string& name) {
  return lenet5::load_model(LENET5_SOURCE_DIR "/models/lenet5-" + name + ".model");
}

std::vector<std::string> op_types(const DecodedModel& model) {
  std::vector<std::string> ops;
  for (const DecodedNode& node : model.nodes) ops.push_back(node.op_type);
  return ops;
}

// `count` random images of the model's image shape, 0–255 with half the pixels background.
Bytes random_images(const lenet5::Model& model, int count, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes pixels(std::size_t(count) * std::size_t(model.image_shape.size()));
  for (std::uint8_t& pixel : pixels) pixel = rng() % 2 ? 0 : std::uint8_t(rng() % 256);
  return pixels;
}

// The images as the graph's input: each centred on the network's input canvas (0 = background), bytes / 255.
Array graph_input(const lenet5::Model& model, const Bytes& pixels, int count) {
  const lenet5::Shape in = model.spec.input, image = model.image_shape;
  Array array{{count, in.channels, in.height, in.width}, std::vector<double>(std::size_t(count) * std::size_t(in.size()), 0.0)};
  const int top = (in.height - image.height) / 2, left = (in.width - image.width) / 2;
  for (int n = 0; n < count; ++n)
    for (int c = 0; c < in.channels; ++c)
      for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x)
          array.values[std::size_t(((n * in.channels + c) * in.height + y + top) * in.width + x + left)] =
              float(pixels[std::size_t(((n * image.channels + c) * image.height + y) * image.width + x)]) / 255.0f;
  return array;
}

// Runs the exported graph and the classifier on the same images: the scores agree within 1e-5 of each
// image's largest |score|; for an RBF output the graph's penalties are the classifier's and its scores
// their negation.
void expect_graph_agrees_with_classifier(const lenet5::Model& model) {
  const lenet5::Classifier classifier(model);
  const int count = 3, classes = classifier.classes();
  const Bytes pixels = random_images(model, count, 11);
  std::vector<float> expected(std::size_t(count) * classes);
  classifier.score_batch(pixels, model.image_shape.width, model.image_shape.height, std::size_t(count), expected);

  const DecodedModel decoded = decode_model(lenet5::onnx_model(classifier));
  const auto outputs = run_graph(decoded, graph_input(model, pixels, count));
  const bool penalties = lenet5::outputs_are_penalties(model.spec);
  ASSERT_EQ(outputs.count("scores"), 1u);
  EXPECT_EQ(outputs.at("scores").dims, (Dims{count, classes}));
  for (int n = 0; n < count; ++n) {
    const auto row = std::span(expected).subspan(std::size_t(n * classes), std::size_t(classes));
    double largest = 0;
    for (const float value : row) largest = std::max(largest, double(std::fabs(value)));
    for (int c = 0; c < classes; ++c) {
      const double ours = row[std::size_t(c)], sign = penalties ? -1 : 1;
      EXPECT_NEAR(outputs.at("scores").values[std::size_t(n * classes + c)], sign * ours, 1e-5 * largest)
          << "image " << n << ", class " << c;
      if (penalties) {
        EXPECT_NEAR(outputs.at("penalties").values[std::size_t(n * classes + c)], ours, 1e-5 * largest);
      }
    }
  }
}

TEST(OnnxExport, ModernGraphReadsLikeTheLayerTable) {
  const DecodedModel model = decode_model(lenet5::onnx_model(lenet5::Classifier(shipped("modern"))));
  EXPECT_EQ(model.ir_version, 7);
  EXPECT_EQ(model.domain, "");
  EXPECT_EQ(model.opset, 13);
  EXPECT_EQ(op_types(model), (std::vector<std::string>{"Mul", "Add", "Conv", "Relu", "AveragePool", "Conv", "Relu",
                                                       "AveragePool", "Conv", "Relu", "Flatten", "Gemm", "Relu", "Gemm"}));
  using Value = std::pair<std::string, std::vector<std::string>>;
  EXPECT_EQ(model.inputs, (std::vector<Value>{{"image", {"N", "1", "32", "32"}}}));
  EXPECT_EQ(model.outputs, (std::vector<Value>{{"scores", {"N", "10"}}}));
  EXPECT_EQ(model.initializers.at("C1/weight").dims, (Dims{6, 1, 5, 5}));
  EXPECT_EQ(model.initializers.at("C3/weight").dims, (Dims{16, 6, 5, 5}));
  EXPECT_EQ(model.initializers.at("F6/weight").dims, (Dims{84, 120}));
  EXPECT_EQ(model.initializers.at("OUTPUT/bias").dims, (Dims{10}));
  // Each layer's result carries its name, so the graph reads like `lenet5 info`'s table.
  for (const std::string layer : {"C1", "S2", "C3", "S4", "C5", "F6"})
    EXPECT_TRUE(std::any_of(model.nodes.begin(), model.nodes.end(), [&](const DecodedNode& node) { return node.outputs[0] == layer; })) << layer;
}

TEST(OnnxExport, ClassicGraphHasTrainableSubsamplingTableOneAndRbfOutputs) {
  const lenet5::Classifier classifier(shipped("classic"));
  const DecodedModel model = decode_model(lenet5::onnx_model(classifier));
  const std::vector<std::string> squash{"Mul", "Tanh", "Mul"}, subsample{"AveragePool", "Mul", "Add"};
  std::vector<std::string> expected{"Mul", "Add"};
  for (const auto& part : {std::vector<std::string>{"Conv"}, squash, subsample, squash, {"Conv"}, squash, subsample, squash,
                           {"Conv"}, squash, {"Flatten", "Gemm"}, squash, {"Unsqueeze", "Sub", "ReduceSumSquare", "Neg"}})
    expected.insert(expected.end(), part.begin(), part.end());
  EXPECT_EQ(op_types(model), expected);
  using Value = std::pair<std::string, std::vector<std::string>>;
  EXPECT_EQ(model.outputs, (std::vector<Value>{{"scores", {"N", "10"}}, {"penalties", {"N", "10"}}}));
  EXPECT_EQ(model.initializers.at("OUTPUT/prototypes").dims, (Dims{10, 84}));
  EXPECT_EQ(model.initializers.at("S2/coefficient").dims, (Dims{1, 6, 1, 1}));
  // Table I: C3's output map 0 reads S2's maps 0, 1, 2 only; the unconnected 5×5 blocks are zero.
  const Array& c3 = model.initializers.at("C3/weight");
  const auto block_is_zero = [&](int out, int in) {
    const auto first = c3.values.begin() + (out * 6 + in) * 25;
    return std::all_of(first, first + 25, [](double w) { return w == 0; });
  };
  EXPECT_FALSE(block_is_zero(0, 0));
  EXPECT_TRUE(block_is_zero(0, 3));
  EXPECT_FALSE(block_is_zero(15, 5));
}

TEST(OnnxExport, ModernGraphComputesTheClassifiersScores) { expect_graph_agrees_with_classifier(shipped("modern")); }

TEST(OnnxExport, ClassicGraphComputesTheNegatedPenaltiesAndThePenalties) {
  expect_graph_agrees_with_classifier(shipped("classic"));
}

// A colour model with five classes, each channel scaled differently: the input is [N, 3, 32, 32] and every
// channel's scaling is its own.
TEST(OnnxExport, ColourModelsWithOtherClassCountsExportToo) {
  lenet5::Model model = lenet5::initialize_model(lenet5::fit_to_data(lenet5::modern_preset(), 3, 5), 4);
  model.spec.scaling = {{-1.0f, 2.0f}, {0.5f, -0.5f}, {0.1f, 0.9f}};
  expect_graph_agrees_with_classifier(model);
  const DecodedModel decoded = decode_model(lenet5::onnx_model(lenet5::Classifier(model)));
  EXPECT_EQ(decoded.inputs.at(0).second, (std::vector<std::string>{"N", "3", "32", "32"}));
  EXPECT_EQ(decoded.outputs.at(0).second, (std::vector<std::string>{"N", "5"}));
}

}  // namespace
