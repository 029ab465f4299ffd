// The network as an ONNX graph of standard operators (opset 13), one layer of layers() at a time:
//   input scaling   Mul, Add           per channel: x · (foreground − background) + background
//   conv            Conv               C3's Table I as a full convolution whose unconnected blocks are 0
//   subsample       AveragePool | MaxPool, then for trainable subsampling Mul (coefficient), Add (bias)
//   full            Flatten (once), Gemm
//   rbf             Unsqueeze, Sub, ReduceSumSquare: penalties; Neg: scores
//   activations     Relu; Mul, Tanh, Mul (A·tanh(S·a)); Sigmoid
#include <array>
#include <optional>
#include <span>
#include <cstdint>
#include <string>
#include <vector>

#include "export/onnx_proto.hpp"
#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"
#include "lenet5/export.hpp"

namespace lenet5 {

namespace {

// The squashing function's constants, A·tanh(S·a) (eq. 6; lenet5/layer_info.hpp).
constexpr float kTanhAmplitude = 1.7159f;
constexpr float kTanhSlope = float(2.0 / 3.0);

class GraphBuilder {
 public:
  // A constant of the graph; returns its name.
  std::string constant(const std::string& name, std::vector<std::int64_t> dims, std::span<const float> values) {
    graph_.initializers.push_back(onnx::float_tensor(name, std::move(dims), values));
    return name;
  }
  std::string constant(const std::string& name, std::vector<std::int64_t> dims, std::span<const std::int64_t> values) {
    graph_.initializers.push_back(onnx::int64_tensor(name, std::move(dims), values));
    return name;
  }
  // A per-map constant [1, C, 1, 1], which broadcasts over the batch and each map's positions.
  std::string per_map(const std::string& name, std::span<const float> values) {
    return constant(name, {1, std::int64_t(values.size()), 1, 1}, values);
  }
  std::string scalar(const std::string& name, float value) { return constant(name, {}, std::span<const float>(&value, 1)); }

  // A node named `name` whose one output is named after it; returns the output's name.
  std::string node(const std::string& op_type, std::vector<std::string> inputs, const std::string& name,
                   std::vector<onnx::Attribute> attributes = {}) {
    graph_.nodes.push_back({op_type, std::move(inputs), {name}, name, std::move(attributes)});
    return name;
  }

  // Renames the last node's output (consumed by no node yet): a layer's result carries the layer's name.
  std::string rename_last(const std::string& name) {
    graph_.nodes.back().outputs[0] = name;
    return name;
  }

  onnx::Graph& graph() { return graph_; }

 private:
  onnx::Graph graph_;
};

std::string activate(GraphBuilder& graph, const std::string& x, const std::optional<Activation>& activation,
                     const std::string& prefix) {
  if (!activation) return x;
  switch (*activation) {
    case Activation::relu: return graph.node("Relu", {x}, prefix + "relu");
    case Activation::logistic: return graph.node("Sigmoid", {x}, prefix + "sigmoid");
    case Activation::scaled_tanh: {
      const std::string slope = graph.node("Mul", {x, graph.scalar(prefix + "tanh_slope", kTanhSlope)}, prefix + "tanh_in");
      const std::string tanh = graph.node("Tanh", {slope}, prefix + "tanh");
      return graph.node("Mul", {tanh, graph.scalar(prefix + "tanh_amplitude", kTanhAmplitude)}, prefix + "scaled_tanh");
    }
  }
  return x;
}

std::vector<std::int64_t> dims_of(const Tensor& tensor) { return {tensor.shape.begin(), tensor.shape.end()}; }

const Tensor& tensor_named(const LayerInfo& layer, const std::string& name) {
  for (const Tensor& tensor : layer.tensors)
    if (tensor.name == name) return tensor;
  throw Error("layer " + layer.name + " has no tensor '" + name + "'");
}

// The input scaling of the model's encoding (bytes → [background, foreground]) applied to bytes / 255.
std::string scale_input(GraphBuilder& graph, const NetworkSpec& spec, const std::string& image) {
  std::vector<float> range, offset;
  for (const InputScaling& channel : spec.scaling) {
    range.push_back(channel.foreground - channel.background);
    offset.push_back(channel.background);
  }
  const std::string scaled = graph.node("Mul", {image, graph.per_map("input_range", range)}, "input_scaled");
  return graph.node("Add", {scaled, graph.per_map("input_background", offset)}, "input_encoded");
}

// Adds one layer's nodes after `x`; returns the name of its output, `layer.name`.
std::string add_layer(GraphBuilder& graph, const LayerInfo& layer, std::string x, bool& flat) {
  const std::string prefix = layer.name + "/";
  switch (layer.kind) {
    case LayerKind::conv: {
      const Tensor& weight = tensor_named(layer, "weight");
      const Tensor& bias = tensor_named(layer, "bias");
      const std::int64_t k = weight.shape[2];
      x = graph.node("Conv", {x, graph.constant(prefix + "weight", dims_of(weight), weight.values),
                              graph.constant(prefix + "bias", dims_of(bias), bias.values)},
                     prefix + "conv", {{"kernel_shape", std::vector<std::int64_t>{k, k}}});
      break;
    }
    case LayerKind::subsample: {
      const bool average = layer.pooling != Pooling::max;
      x = graph.node(average ? "AveragePool" : "MaxPool", {x}, prefix + "pool",
                     {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}});
      if (!layer.tensors.empty()) {  // trainable: coefficient · mean + bias, per map (§II-B)
        x = graph.node("Mul", {x, graph.per_map(prefix + "coefficient", tensor_named(layer, "coefficient").values)},
                       prefix + "scaled");
        x = graph.node("Add", {x, graph.per_map(prefix + "bias", tensor_named(layer, "bias").values)}, prefix + "biased");
      }
      break;
    }
    case LayerKind::full: {
      if (!flat) x = graph.node("Flatten", {x}, prefix + "flatten", {{"axis", std::int64_t{1}}});
      flat = true;
      const Tensor& weight = tensor_named(layer, "weight");
      const Tensor& bias = tensor_named(layer, "bias");
      x = graph.node("Gemm", {x, graph.constant(prefix + "weight", dims_of(weight), weight.values),
                              graph.constant(prefix + "bias", dims_of(bias), bias.values)},
                     prefix + "gemm", {{"transB", std::int64_t{1}}});
      break;
    }
    case LayerKind::rbf: {
      if (!flat) throw Error("the RBF layer " + layer.name + " must follow a fully connected layer");
      // penalties[n][i] = Σ_j (x[n][j] − prototypes[i][j])² (eq. 7): [N, 1, 84] − [classes, 84] → [N, classes, 84].
      const Tensor& prototypes = tensor_named(layer, "prototypes");
      const std::array<std::int64_t, 1> axis{1};
      const std::string column = graph.node("Unsqueeze", {x, graph.constant(prefix + "axes", {1}, std::span(axis))}, prefix + "unsqueeze");
      const std::string difference =
          graph.node("Sub", {column, graph.constant(prefix + "prototypes", dims_of(prototypes), prototypes.values)}, prefix + "difference");
      x = graph.node("ReduceSumSquare", {difference}, prefix + "penalties",
                     {{"axes", std::vector<std::int64_t>{2}}, {"keepdims", std::int64_t{0}}});
      break;
    }
  }
  x = activate(graph, x, layer.activation, prefix);
  return graph.rename_last(layer.name);
}

}  // namespace

std::vector<std::uint8_t> onnx_model(const Classifier& classifier) {
  const NetworkSpec& spec = classifier.model().spec;
  const std::vector<LayerInfo> layers = classifier.layers();
  const bool penalties = layers.back().kind == LayerKind::rbf;
  const std::int64_t classes = classifier.classes();

  GraphBuilder graph;
  std::string x = scale_input(graph, spec, "image");
  bool flat = false;
  for (const LayerInfo& layer : layers) x = add_layer(graph, layer, x, flat);
  if (!flat) throw Error("the network's last layer is not fully connected: its output is not one score per class");
  if (penalties) {
    graph.rename_last("penalties");
    graph.node("Neg", {"penalties"}, "scores");
  } else {
    graph.rename_last("scores");
  }

  onnx::Model model;
  model.producer_name = "lenet5";
  model.producer_version = LENET5_VERSION;
  model.doc_string = "LeNet-5, preset " + spec.preset + ": input image [N,C,H,W] in [0,1] (0 = background), " +
                     (penalties ? "output scores (negated RBF penalties; the highest wins) and penalties"
                                : "output scores (the highest wins)");
  model.graph = std::move(graph.graph());
  model.graph.name = "lenet5_" + spec.preset;
  model.graph.inputs.push_back({"image", {"N", spec.input.channels, spec.input.height, spec.input.width}});
  model.graph.outputs.push_back({"scores", {"N", classes}});
  if (penalties) model.graph.outputs.push_back({"penalties", {"N", classes}});
  return onnx::encode(model);
}

void export_onnx(const Classifier& classifier, const std::string& path) { write_file_atomically(path, onnx_model(classifier)); }

}  // namespace lenet5
