#pragma once
// The network as a description in data: an input, a list of layers, a loss. Presets build one; the model
// file stores it as text; the runtime network is built from it. Nothing about the architecture lives
// anywhere else (not in the CLI, not in the trainer).
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lenet5 {

struct Shape {
  int channels = 0;
  int height = 0;
  int width = 0;
  int size() const { return channels * height * width; }
  bool operator==(const Shape&) const = default;
};

enum class Activation { relu, scaled_tanh, logistic };
enum class Pooling { average, max };
// softmax_cross_entropy: on scores (higher is better). On RBF penalties (lower is better), §II-C:
// mse is eq. 8, E = y_D (the correct class's penalty); map is eq. 9, E = y_D + log(e^−j + Σ_i e^−y_i).
enum class LossKind { softmax_cross_entropy, mse, map };

// Input bytes (0 = background, 255 = ink) map linearly to [background, foreground] (paper §II-B uses
// −0.1 and 1.175), one such pair per input channel; smaller images are centred on a background-filled canvas
// of the input size.
struct InputScaling {
  float background = 0.0f;
  float foreground = 1.0f;
  bool operator==(const InputScaling&) const = default;
};

// Valid 5×5 (or `kernel`) convolution. `connections[out][in]` says which input maps feed each output map
// (Table I of the paper); empty means every input feeds every output.
struct ConvSpec {
  int out_channels = 0;
  int kernel = 5;
  std::vector<std::vector<bool>> connections;
  std::optional<Activation> activation;
  bool operator==(const ConvSpec&) const = default;
};

// Non-overlapping 2×2 subsampling of each map. `trainable` is the paper's S2/S4 (§II-B): the four inputs'
// mean is multiplied by a trainable coefficient and added to a trainable bias, one pair per map (average
// pooling only; docs/classic.md says why the mean rather than the sum).
struct SubsampleSpec {
  Pooling pooling = Pooling::average;
  bool trainable = false;
  std::optional<Activation> activation;
  bool operator==(const SubsampleSpec&) const = default;
};

// Fully connected over the flattened input.
struct DenseSpec {
  int out_features = 0;
  std::optional<Activation> activation;
  bool operator==(const DenseSpec&) const = default;
};

// Euclidean RBF output (eq. 7): unit i outputs the penalty y_i = Σ_j (x_j − w_ij)² with fixed ±1 w_ij,
// the stylised 7×12 digit bitmaps of src/nn/rbf_prototypes.cpp (the paper's Fig. 3). Needs 84 inputs.
struct RbfSpec {
  int classes = 10;
  bool operator==(const RbfSpec&) const = default;
};

struct LayerSpec {
  std::string name;  // the paper's name: C1, S2, …
  std::variant<ConvSpec, SubsampleSpec, DenseSpec, RbfSpec> op;
  bool operator==(const LayerSpec&) const = default;
};

struct NetworkSpec {
  std::string preset;
  Shape input{1, 32, 32};
  std::vector<InputScaling> scaling{InputScaling{}};  // one per input channel
  std::vector<LayerSpec> layers;
  LossKind loss = LossKind::softmax_cross_entropy;
  // j of eq. 9 (map loss only). The paper gives no value; 7 had the lowest error of 1, 2, 5, 7, 10 and 20
  // on held-out training images over eight seeds (docs/classic.md).
  float map_constant = 7.0f;
  bool operator==(const NetworkSpec&) const = default;
};

// Whether the network's outputs are penalties (an RBF output: the smallest wins) rather than scores.
bool outputs_are_penalties(const NetworkSpec& spec);

// The modern LeNet-5 (ReLU, average pooling, softmax cross-entropy; 61,706 parameters).
NetworkSpec modern_preset();
// The 1998 LeNet-5 (scaled tanh, trainable subsampling, Table I, RBF output, MAP loss; 60,000 parameters).
NetworkSpec classic_preset();
// Looks a preset up by name; throws lenet5::Error listing the known names.
NetworkSpec preset(const std::string& name);
// `spec` made to read images of `channels` channels (C1 reads that many maps; each channel keeps the scaling
// of the first) into `classes` outputs (the last layer resized). The RBF output has prototypes for the ten
// digits only: another class count throws lenet5::Error saying so.
NetworkSpec fit_to_data(NetworkSpec spec, int channels, int classes);
// The number of outputs, one per class.
int class_count(const NetworkSpec& spec);
std::vector<std::string> preset_names();

// One row per layer: what `lenet5 info` prints.
struct LayerSummary {
  std::string name;
  std::string description;  // e.g. "conv 5x5, relu"
  Shape output;
  std::size_t parameters = 0;        // trainable
  std::size_t fixed_parameters = 0;  // constants such as the RBF prototypes
  std::uint64_t connections = 0;     // multiply-adds per image, biases counted as the paper does
};
// Validates the spec (shapes fit, tables have the right size) and summarises it; throws lenet5::Error.
std::vector<LayerSummary> summarize(const NetworkSpec& spec);

// Text form, one line per item, stored in model files (docs/model-format.md). parse(to_text(s)) == s.
std::string to_text(const NetworkSpec& spec);
NetworkSpec parse_network_spec(const std::string& text);

std::string to_string(Activation activation);
std::string to_string(Pooling pooling);
std::string to_string(LossKind loss);

}  // namespace lenet5
