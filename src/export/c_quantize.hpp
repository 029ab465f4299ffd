#pragma once
// int8 quantisation of a trained network for the C export (docs/export.md, "C for microcontrollers"): the
// numbers the generated integer-only C uses. Weights symmetric per output channel; activations symmetric
// per layer, their ranges calibrated on images where the activation is unbounded (ReLU, linear), fixed where
// it is bounded (scaled tanh, logistic: looked up in a table); accumulators int32; every real factor an
// integer multiplier and shift. The input bytes themselves are the first layer's input (the model's input
// scaling folded into its weights and biases).
#include <cstdint>
#include <span>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"

namespace lenet5::c_export {

// A real factor as integers: the generated C's rescale() computes x · factor as
// (x · multiplier + 2^(shift−1)) >> shift, rounded half up, with 2^30 ≤ |multiplier| < 2^31 (31 significant
// bits) and 1 ≤ shift ≤ 62. A factor too small for that shift range is 0 (multiplier 0).
struct Rescale {
  std::int32_t multiplier = 0;
  int shift = 1;
  bool operator==(const Rescale&) const = default;
};
// Throws lenet5::Error when |factor| ≥ 2^30 or is not finite.
Rescale make_rescale(double factor);

// Symmetric quantisation of `weights`, `channels` equal runs (one per output channel, as the weight tensors
// of lenet5/layer_info.hpp are laid out): each run's largest |w| becomes ±127, values[i] = round(w / scale).
struct ChannelQuantized {
  std::vector<std::int8_t> values;
  std::vector<double> scales;  // one per channel; 1 for a channel of zeros
};
ChannelQuantized quantize_channels(std::span<const float> weights, int channels);

// The first layer reads the image's bytes themselves: input channel c's encoding background_c + step_c · byte,
// step_c = (foreground_c − background_c) / 255 (lenet5/layer_info.hpp), folded into the layer's weights
// (× step_c) and biases (+ background_c · Σ weights): the layer then gives the same on bytes as it did on the
// encoded input, the padding (byte 0) included. `weights`: one run per bias, of scaling.size() equal blocks.
void fold_input_scaling(std::vector<float>& weights, std::vector<double>& biases, std::span<const InputScaling> scaling);

// A squashing activation f tabulated over the pre-activation a = index · step, index clamped to
// [−reach, reach], beyond which the table is flat: values[index + reach] = round(f(index · step) / output_scale).
// The output scale is f's bound / 127, so that no calibration is needed; the step keeps the error of the
// look-up below a quarter of an output step.
struct ActivationTable {
  Activation activation = Activation::scaled_tanh;
  double step = 0;
  double output_scale = 0;
  int reach = 0;
  std::vector<std::int8_t> values;  // 2 · reach + 1
};
// Throws lenet5::Error for an activation without a bound (ReLU).
ActivationTable make_table(Activation activation);

// How a layer's accumulator becomes its output.
enum class Coding {
  int8,    // rescaled to the output's steps and clamped to [low, high]
  table,   // rescaled to the table's index and looked up
  scores,  // the last layer: rescaled to int32 score units (output_scale each), no clamp
};

// One layer's integers. conv, full: out = finish(bias + Σ weight · in); subsample: out = finish(bias + Σ of
// the 2×2 window) for average pooling, finish(max of the window) for max pooling. rbf: see `rbf_*`.
struct QuantizedLayer {
  std::vector<std::int8_t> weights;  // conv, full: the float tensor's layout ([out][in][k][k], [out][in])
  std::vector<std::int32_t> bias;    // per output channel, in accumulator units
  std::vector<Rescale> rescale;      // per output channel: accumulator → output steps, table index or score units
  Coding coding = Coding::int8;
  int table = -1;                    // Coding::table: index into QuantizedNetwork::tables
  int low = -127, high = 127;        // Coding::int8: the range (0 after ReLU)
  double output_scale = 1;           // the real value of one output step (the table's, the score unit)
  // rbf: penalty_i = rescale(Σ_j in_j², rbf_squares) − rescale(Σ_j p_ij · in_j, rbf_agreement) + bias[i],
  // in score units (eq. 7 expanded: Σ (x − p)² = Σ x² − 2 Σ p·x + Σ p², x = in · input scale).
  Rescale rbf_squares, rbf_agreement;
};

struct QuantizedNetwork {
  std::vector<QuantizedLayer> layers;  // one per Classifier::layers() entry
  std::vector<ActivationTable> tables;
};

// The largest |value| each layer outputs over `images` (the Classifier's float inference), by layer.
std::vector<float> calibrate(const Classifier& classifier, const Dataset& images);

// Quantises `classifier`'s layers, with `ranges` (calibrate()'s, one per layer) for the layers whose output
// range is not fixed by their activation. Throws lenet5::Error, naming the layer, for what the integer C
// cannot express (a subsampling first layer, RBF prototypes other than ±1, an accumulator beyond int32).
QuantizedNetwork quantize(const Classifier& classifier, std::span<const float> ranges);

}  // namespace lenet5::c_export
