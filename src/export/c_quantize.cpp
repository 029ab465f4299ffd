#include "export/c_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "export/c_text.hpp"
#include "lenet5/error.hpp"

namespace lenet5::c_export {

namespace {

// scaled_tanh's f(a) = A · tanh(S · a) (lenet5/layer_info.hpp, eq. 6).
constexpr double kTanhAmplitude = 1.7159;
constexpr double kTanhSlope = 2.0 / 3.0;
// Accumulators are int32; a layer's worst case must stay below this.
constexpr double kAccumulatorLimit = 0x1p31 - 1;

double activate(Activation activation, double a) {
  switch (activation) {
    case Activation::relu: return std::max(a, 0.0);
    case Activation::scaled_tanh: return kTanhAmplitude * std::tanh(kTanhSlope * a);
    case Activation::logistic: return 1.0 / (1.0 + std::exp(-a));
  }
  return a;
}

// How the layer's real pre-activation follows from its integer accumulator: a[c] · accumulator, per channel c,
// the bias included in the accumulator. `largest` bounds |accumulator| over every possible input.
struct Accumulator {
  std::vector<double> scale;
  std::vector<double> largest;
};

std::int32_t to_accumulator(double value, double scale, const std::string& layer) {
  const double units = value == 0 ? 0 : std::round(value / scale);
  if (!(std::fabs(units) < kAccumulatorLimit / 2))
    throw Error("cannot quantise layer " + layer + " to int8: a bias is too large for its weights' scale");
  return static_cast<std::int32_t>(units);
}

// conv and full: weights quantised per output channel; the first layer's with the input scaling folded in.
Accumulator quantize_weighted(const LayerInfo& info, const NetworkSpec& spec, bool first, double input_scale,
                              QuantizedLayer& layer) {
  const Tensor& weight = tensor(info, "weight");
  const Tensor& bias = tensor(info, "bias");
  const int outs = weight.shape[0];
  const std::size_t run = weight.values.size() / outs;
  std::vector<float> weights = weight.values;
  std::vector<double> biases(bias.values.begin(), bias.values.end());
  if (first) fold_input_scaling(weights, biases, spec.scaling);
  ChannelQuantized quantized = quantize_channels(weights, outs);
  const double largest_input = first ? 255 : 127;
  Accumulator accumulator;
  for (int o = 0; o < outs; ++o) {
    const double scale = input_scale * quantized.scales[o];
    layer.bias.push_back(to_accumulator(biases[o], scale, info.name));
    double largest = std::fabs(double(layer.bias.back()));
    for (std::size_t k = 0; k < run; ++k) largest += std::abs(int(quantized.values[o * run + k])) * largest_input;
    accumulator.scale.push_back(scale);
    accumulator.largest.push_back(largest);
  }
  layer.weights = std::move(quantized.values);
  return accumulator;
}

// Subsampling: the accumulator is the sum of the 2×2 window (average) or its largest value (max), in the
// input's steps; a trainable one's coefficient and bias (average only) become its scale and bias.
Accumulator quantize_subsample(const LayerInfo& info, double input_scale, QuantizedLayer& layer) {
  const int maps = info.output.channels;
  const bool average = info.pooling == Pooling::average;
  const bool trainable = !info.tensors.empty();
  Accumulator accumulator;
  for (int m = 0; m < maps; ++m) {
    const double coefficient = trainable ? tensor(info, "coefficient").values[m] : 1.0;
    const double scale = input_scale * coefficient * (average ? 0.25 : 1.0);
    layer.bias.push_back(trainable ? to_accumulator(tensor(info, "bias").values[m], scale, info.name) : 0);
    accumulator.scale.push_back(scale);
    accumulator.largest.push_back(std::fabs(double(layer.bias.back())) + (average ? 4 : 1) * 127.0);
  }
  return accumulator;
}

// The smallest power of two u with bound / u < 2^30: a score unit that keeps every score in int32.
double score_unit(double bound) { return std::exp2(std::ceil(std::log2(std::max(bound, 1e-30) / 0x1p30))); }

// The RBF output (eq. 7) on int8 inputs: penalty_i = s² Σ x_j² − 2 s Σ p_ij x_j + Σ p_ij², x_j = in_j · s.
void quantize_rbf(const LayerInfo& info, double input_scale, QuantizedLayer& layer) {
  const Tensor& prototypes = tensor(info, "prototypes");
  const int classes = prototypes.shape[0], width = prototypes.shape[1];
  for (float p : prototypes.values)
    if (p != 1.0f && p != -1.0f) throw Error("cannot quantise layer " + info.name + ": its prototypes are not all ±1");
  const double largest = width * std::pow(127 * input_scale + 1, 2);
  layer.coding = Coding::scores;
  layer.output_scale = score_unit(largest);
  layer.rbf_squares = make_rescale(input_scale * input_scale / layer.output_scale);
  layer.rbf_agreement = make_rescale(2 * input_scale / layer.output_scale);
  for (int i = 0; i < classes; ++i) layer.bias.push_back(static_cast<std::int32_t>(std::lround(width / layer.output_scale)));
}

// The coding of a layer's output and the rescaling of its accumulator to it.
void choose_coding(const LayerInfo& info, bool last, double input_scale, float range, const Accumulator& accumulator,
                   QuantizedNetwork& network, QuantizedLayer& layer) {
  const bool keeps_input_scale = info.kind == LayerKind::subsample && !info.activation && info.tensors.empty();
  std::vector<double> factor_unit(accumulator.scale.size());  // the real value of one step of what rescale yields
  if (info.activation && *info.activation != Activation::relu) {
    const ActivationTable table = make_table(*info.activation);
    const auto same = std::find_if(network.tables.begin(), network.tables.end(),
                                   [&](const ActivationTable& t) { return t.activation == table.activation; });
    layer.table = int(same - network.tables.begin());
    if (same == network.tables.end()) network.tables.push_back(table);
    layer.coding = Coding::table;
    layer.output_scale = table.output_scale;
    std::fill(factor_unit.begin(), factor_unit.end(), table.step);
  } else if (last && !info.activation) {
    double bound = 0;
    for (std::size_t c = 0; c < accumulator.scale.size(); ++c)
      bound = std::max(bound, std::fabs(accumulator.scale[c]) * accumulator.largest[c]);
    layer.coding = Coding::scores;
    layer.output_scale = score_unit(bound);
    std::fill(factor_unit.begin(), factor_unit.end(), layer.output_scale);
  } else {
    // Pooling without parameters or activation cannot leave its input's range: the input's scale is kept.
    layer.output_scale = keeps_input_scale ? input_scale : (range > 0 ? range / 127.0 : 1 / 127.0);
    if (info.activation == Activation::relu) layer.low = 0;
    std::fill(factor_unit.begin(), factor_unit.end(), layer.output_scale);
  }
  for (std::size_t c = 0; c < accumulator.scale.size(); ++c) {
    if (!(accumulator.largest[c] < kAccumulatorLimit))
      throw Error("cannot quantise layer " + info.name + " to int8: its int32 accumulator could overflow");
    const double factor = accumulator.scale[c] / factor_unit[c];
    if (!(std::fabs(factor) * accumulator.largest[c] < kAccumulatorLimit))
      throw Error("cannot quantise layer " + info.name + " to int8: a rescaled value could overflow int32");
    layer.rescale.push_back(make_rescale(factor));
  }
}

}  // namespace

void fold_input_scaling(std::vector<float>& weights, std::vector<double>& biases, std::span<const InputScaling> scaling) {
  const std::size_t run = weights.size() / biases.size(), plane = run / scaling.size();
  for (std::size_t o = 0; o < biases.size(); ++o)
    for (std::size_t c = 0; c < scaling.size(); ++c) {
      const double step = (double(scaling[c].foreground) - scaling[c].background) / 255.0;
      float* block = weights.data() + o * run + c * plane;
      double sum = 0;
      for (std::size_t k = 0; k < plane; ++k) {
        sum += block[k];
        block[k] = static_cast<float>(block[k] * step);
      }
      biases[o] += scaling[c].background * sum;
    }
}

Rescale make_rescale(double factor) {
  if (!std::isfinite(factor) || std::fabs(factor) >= 0x1p30)
    throw Error("cannot express the factor " + std::to_string(factor) + " as an int32 multiplier and shift");
  if (factor == 0) return {};
  int exponent = 0;
  const double fraction = std::frexp(factor, &exponent);  // factor = fraction · 2^exponent, 0.5 ≤ |fraction| < 1
  std::int64_t multiplier = std::llround(fraction * 0x1p31);
  if (std::llabs(multiplier) == (std::int64_t(1) << 31)) {  // rounded up to 2^31: one bit fewer, one shift less
    multiplier /= 2;
    ++exponent;
  }
  const int shift = 31 - exponent;
  if (shift > 62) return {};  // |factor| < 2^−32: |x · factor| < 1/2 for every int32 x, which rounds to 0
  if (shift < 1) throw Error("cannot express the factor " + std::to_string(factor) + " as an int32 multiplier and shift");
  return {static_cast<std::int32_t>(multiplier), shift};
}

ChannelQuantized quantize_channels(std::span<const float> weights, int channels) {
  const std::size_t run = weights.size() / channels;
  ChannelQuantized result{std::vector<std::int8_t>(weights.size()), std::vector<double>(channels)};
  for (int c = 0; c < channels; ++c) {
    const auto first = weights.begin() + c * run;
    double largest = 0;
    for (auto w = first; w != first + run; ++w) largest = std::max(largest, std::fabs(double(*w)));
    const double scale = largest > 0 ? largest / 127.0 : 1.0;
    result.scales[c] = scale;
    for (std::size_t k = 0; k < run; ++k) result.values[c * run + k] = static_cast<std::int8_t>(std::lround(first[k] / scale));
  }
  return result;
}

ActivationTable make_table(Activation activation) {
  if (activation == Activation::relu) throw Error("ReLU has no bound: it needs no table");
  ActivationTable table;
  table.activation = activation;
  const double bound = activation == Activation::scaled_tanh ? kTanhAmplitude : 1.0;
  const double steepest = activation == Activation::scaled_tanh ? kTanhAmplitude * kTanhSlope : 0.25;
  table.output_scale = bound / 127;
  // The index's rounding moves a by at most step / 2, f by at most steepest · step / 2: a quarter output step.
  table.step = table.output_scale / (2 * steepest);
  const auto value = [&](int index) {
    return static_cast<std::int8_t>(std::lround(activate(activation, index * table.step) / table.output_scale));
  };
  const std::int8_t top = 127, bottom = activation == Activation::scaled_tanh ? -127 : 0;
  while (value(table.reach) != top || value(-table.reach) != bottom) ++table.reach;
  for (int index = -table.reach; index <= table.reach; ++index) table.values.push_back(value(index));
  return table;
}

std::vector<float> calibrate(const Classifier& classifier, const Dataset& images) {
  images.check_images("calibration images");
  check_channels(classifier.model().spec, images.channels);
  std::vector<float> ranges(classifier.layers().size());
  for (std::size_t i = 0; i < images.count; ++i) {
    const std::vector<Tensor> maps = classifier.trace(images.image(i), images.cols, images.rows);
    for (std::size_t l = 0; l < ranges.size(); ++l)  // maps[0] is the encoded input
      for (float value : maps[l + 1].values) ranges[l] = std::max(ranges[l], std::fabs(value));
  }
  return ranges;
}

QuantizedNetwork quantize(const Classifier& classifier, std::span<const float> ranges) {
  const std::vector<LayerInfo> layers = classifier.layers();
  if (ranges.size() != layers.size()) throw Error("one calibrated range per layer is needed");
  QuantizedNetwork network;
  double input_scale = 1;  // the first layer reads bytes
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerInfo& info = layers[l];
    const bool first = l == 0, last = l + 1 == layers.size();
    QuantizedLayer layer;
    if (info.kind == LayerKind::rbf) {
      if (first || !last) throw Error("cannot quantise layer " + info.name + ": an RBF layer must be the last");
      quantize_rbf(info, input_scale, layer);
    } else {
      if (info.kind == LayerKind::subsample && first)
        throw Error("cannot quantise layer " + info.name + ": the int8 export needs a conv or full first layer");
      const Accumulator accumulator = info.kind == LayerKind::subsample
                                          ? quantize_subsample(info, input_scale, layer)
                                          : quantize_weighted(info, classifier.model().spec, first, input_scale, layer);
      choose_coding(info, last, input_scale, ranges[l], accumulator, network, layer);
    }
    input_scale = layer.output_scale;
    network.layers.push_back(std::move(layer));
  }
  return network;
}

}  // namespace lenet5::c_export
