// Layers and the whole network: outputs on tiny hand-computed cases, and every gradient against central
// finite differences computed in double precision.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/rng.hpp"
#include "lenet5/network_spec.hpp"
#include "nn/activation.hpp"
#include "nn/layers.hpp"
#include "nn/loss.hpp"
#include "nn/network.hpp"

namespace lenet5::nn {
namespace {

std::vector<double> random_vector(std::size_t n, Rng& rng, double scale = 1.0) {
  std::vector<double> v(n);
  for (double& x : v) x = scale * rng.uniform(-1.0f, 1.0f);
  return v;
}

struct LayerCase {
  std::string label;
  LayerSpec spec;
  Shape input;
};

// E = Σ out·R for a fixed random R, so dE/d(out) = R.
double weighted_output(const Layer<double>& layer, const std::vector<double>& parameters,
                       const std::vector<double>& input, const std::vector<double>& weights, int batch,
                       std::vector<double>& scratch) {
  std::vector<double> out(weights.size());
  layer.forward(parameters.data(), input.data(), out.data(), batch, scratch.data());
  double sum = 0;
  for (std::size_t i = 0; i < out.size(); ++i) sum += out[i] * weights[i];
  return sum;
}

void expect_close(double analytic, double numeric, const std::string& what) {
  const double tolerance = 1e-6 * std::max(1.0, std::abs(numeric));
  EXPECT_NEAR(analytic, numeric, tolerance) << what;
}

void check_layer_gradients(const LayerCase& c) {
  SCOPED_TRACE(c.label);
  constexpr int batch = 3;
  auto layer = make_layer<double>(c.spec, c.input);
  Rng rng(42);
  std::vector<double> parameters(layer->parameter_count());
  layer->initialize(parameters, rng);
  for (double& p : parameters) p += 0.1 * rng.uniform(-1.0f, 1.0f);  // biases away from zero too
  std::vector<double> input = random_vector(std::size_t(batch) * c.input.size(), rng);
  const std::vector<double> weights = random_vector(std::size_t(batch) * layer->output_shape().size(), rng);
  std::vector<double> scratch(layer->scratch_size(batch) + 1);

  std::vector<double> out(weights.size()), grad_out = weights, grad_in(input.size(), 123.0),
      grad_parameters(parameters.size(), 0.0);
  layer->forward(parameters.data(), input.data(), out.data(), batch, scratch.data());
  layer->backward(parameters.data(), input.data(), out.data(), grad_out.data(), grad_in.data(),
                  grad_parameters.data(), batch, scratch.data());

  // Central differences of the weighted output, nudging each entry of `values` (the parameters, then the
  // input) in turn.
  const auto check = [&](std::vector<double>& values, const std::vector<double>& gradient, const std::string& what) {
    constexpr double h = 1e-6;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double saved = values[i];
      values[i] = saved + h;
      const double plus = weighted_output(*layer, parameters, input, weights, batch, scratch);
      values[i] = saved - h;
      const double minus = weighted_output(*layer, parameters, input, weights, batch, scratch);
      values[i] = saved;
      expect_close(gradient[i], (plus - minus) / (2 * h), what + " " + std::to_string(i));
    }
  };
  check(parameters, grad_parameters, "parameter");
  check(input, grad_in, "input");
}

std::vector<std::vector<bool>> partial_table() {
  return {{true, true, false}, {false, true, true}, {true, false, true}, {true, true, true}};
}

TEST(LayerGradients, MatchFiniteDifferencesInDoublePrecision) {
  const std::vector<LayerCase> cases = {
      {"conv relu", {"C", ConvSpec{4, 3, {}, Activation::relu}}, {3, 7, 6}},
      {"conv scaled tanh", {"C", ConvSpec{2, 5, {}, Activation::scaled_tanh}}, {1, 9, 9}},
      {"conv logistic", {"C", ConvSpec{2, 2, {}, Activation::logistic}}, {2, 4, 5}},
      {"conv linear", {"C", ConvSpec{3, 3, {}, std::nullopt}}, {2, 5, 5}},
      {"conv with connection table", {"C", ConvSpec{4, 3, partial_table(), Activation::scaled_tanh}}, {3, 6, 6}},
      {"conv to 1x1 (C5-like)", {"C", ConvSpec{5, 4, {}, Activation::relu}}, {3, 4, 4}},
      {"average pool", {"S", SubsampleSpec{Pooling::average, false, std::nullopt}}, {2, 6, 4}},
      {"average pool tanh", {"S", SubsampleSpec{Pooling::average, false, Activation::scaled_tanh}}, {2, 4, 4}},
      {"max pool", {"S", SubsampleSpec{Pooling::max, false, std::nullopt}}, {3, 4, 6}},
      {"trainable subsampling (S2)", {"S", SubsampleSpec{Pooling::average, true, Activation::scaled_tanh}}, {3, 4, 6}},
      {"RBF output", {"OUTPUT", RbfSpec{10}}, {84, 1, 1}},
      {"dense relu", {"F", DenseSpec{7, Activation::relu}}, {3, 2, 2}},
      {"dense logistic", {"F", DenseSpec{4, Activation::logistic}}, {5, 1, 1}},
      {"dense linear", {"F", DenseSpec{3, std::nullopt}}, {6, 1, 1}},
  };
  for (const auto& c : cases) check_layer_gradients(c);
}

TEST(Conv, HandComputedOutput) {
  // One 3×3 input, one 2×2 kernel: out[y][x] = Σ w·in + b.
  const LayerSpec spec{"C", ConvSpec{1, 2, {}, std::nullopt}};
  auto layer = make_layer<double>(spec, {1, 3, 3});
  const std::vector<double> parameters = {1, 2, 3, 4, 0.5};  // kernel row-major, then bias
  const std::vector<double> input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<double> out(4), scratch(layer->scratch_size(1));
  layer->forward(parameters.data(), input.data(), out.data(), 1, scratch.data());
  EXPECT_EQ(out, (std::vector<double>{1 + 4 + 12 + 20 + 0.5, 2 + 6 + 15 + 24 + 0.5, 4 + 10 + 21 + 32 + 0.5,
                                      5 + 12 + 24 + 36 + 0.5}));
}

TEST(Conv, ConnectionTableIgnoresUnconnectedMaps) {
  // Output map 0 reads input map 1 only: changing input map 0 must not change it.
  const LayerSpec spec{"C", ConvSpec{1, 1, {{false, true}}, std::nullopt}};
  auto layer = make_layer<double>(spec, {2, 1, 2});
  EXPECT_EQ(layer->parameter_count(), 2u);  // one 1×1 weight and a bias
  const std::vector<double> parameters = {3, 1};
  std::vector<double> out(2), scratch(layer->scratch_size(1));
  const std::vector<double> input = {100, 200, 1, 2};
  layer->forward(parameters.data(), input.data(), out.data(), 1, scratch.data());
  EXPECT_EQ(out, (std::vector<double>{4, 7}));
}

TEST(Subsample, AverageAndMaxOfEachBlock) {
  const std::vector<double> input = {1, 2, 5, 6, 3, 4, 7, -8};  // one 2×4 map: blocks {1,2,3,4} and {5,6,7,-8}
  std::vector<double> out(2);
  for (const auto& [pooling, expected] : {std::pair{Pooling::average, std::vector<double>{2.5, 2.5}},
                                          std::pair{Pooling::max, std::vector<double>{4, 7}}}) {
    auto layer = make_layer<double>({"S", SubsampleSpec{pooling, false, std::nullopt}}, {1, 2, 4});
    std::vector<double> scratch(layer->scratch_size(1));
    layer->forward(nullptr, input.data(), out.data(), 1, scratch.data());
    EXPECT_EQ(out, expected);
  }
}

TEST(Dense, HandComputedOutputWithRelu) {
  auto layer = make_layer<double>({"F", DenseSpec{2, Activation::relu}}, {3, 1, 1});
  const std::vector<double> parameters = {1, 2, 3, -1, -1, -1, 0.5, 0.25};
  const std::vector<double> input = {1, 1, 2};
  std::vector<double> out(2);
  layer->forward(parameters.data(), input.data(), out.data(), 1, nullptr);
  EXPECT_EQ(out, (std::vector<double>{9.5, 0.0}));
}

TEST(Activation, FloatTanhIsWithinFourUlpsOfTheLibrary) {
  for (float z = -20.0f; z < 20.0f; z += 3e-4f) {
    const float ours = tanh_float(z), library = std::tanh(z);
    EXPECT_LE(std::abs(std::bit_cast<std::int32_t>(ours) - std::bit_cast<std::int32_t>(library)), 4) << "at " << z;
  }
  EXPECT_EQ(tanh_float(100.0f), 1.0f);
  EXPECT_EQ(tanh_float(-100.0f), -1.0f);
  EXPECT_TRUE(std::signbit(tanh_float(-0.0f)));
  // A NaN must stay one, or training would squash diverged weights into ±1 and never notice.
  EXPECT_TRUE(std::isnan(tanh_float(std::numeric_limits<float>::quiet_NaN())));
  std::vector<float> activations = {std::numeric_limits<float>::quiet_NaN(), 0.5f};
  activate(std::optional<Activation>(Activation::scaled_tanh), activations.data(), activations.size());
  EXPECT_TRUE(std::isnan(activations[0]));
}

TEST(Activation, ScaledTanhHitsPlusMinusOneAtPlusMinusOne) {
  auto layer = make_layer<double>({"F", DenseSpec{2, Activation::scaled_tanh}}, {1, 1, 1});
  const std::vector<double> parameters = {1, -1, 0, 0}, input = {1};
  std::vector<double> out(2);
  layer->forward(parameters.data(), input.data(), out.data(), 1, nullptr);
  EXPECT_NEAR(out[0], 1.0, 1e-4);  // f(1) = 1.7159·tanh(2/3) ≈ 1.00000
  EXPECT_NEAR(out[1], -1.0, 1e-4);
}

TEST(Loss, SoftmaxCrossEntropyValueAndGradient) {
  const std::vector<double> logits = {1.0, 2.0, 3.0};
  const std::uint8_t label = 2;
  std::vector<double> grad(3);
  const auto result =
      compute_loss(LossKind::softmax_cross_entropy, 0.0f, logits.data(), &label, 1, 3, 1.0, grad.data());
  const double total = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(result.sum, -std::log(std::exp(3.0) / total), 1e-12);
  EXPECT_EQ(result.correct, 1);
  EXPECT_NEAR(grad[0], std::exp(1.0) / total, 1e-12);
  EXPECT_NEAR(grad[2], std::exp(3.0) / total - 1.0, 1e-12);
}

// A whole preset with its loss, in double precision: dLoss/d(parameters), probed in every layer.
void check_network_gradients(const NetworkSpec& spec) {
  SCOPED_TRACE(spec.preset);
  const Network<double> network(spec);
  constexpr int batch = 2;
  Rng rng(7);
  std::vector<double> parameters(network.parameter_count());
  network.initialize(parameters, rng);
  for (double& p : parameters) p += 0.01 * rng.uniform(-1.0f, 1.0f);
  const std::vector<double> input = random_vector(std::size_t(batch) * network.input_size(), rng, 2.0);
  const std::uint8_t labels[batch] = {3, 8};
  auto workspace = network.make_workspace(batch, true);

  const auto loss = [&](const std::vector<double>& p) {
    const double* out = network.forward(p.data(), input.data(), batch, workspace);
    std::vector<double> unused(std::size_t(batch) * network.output_size());
    return compute_loss(spec.loss, spec.map_constant, out, labels, batch, network.output_size(), 1.0 / batch,
                        unused.data())
               .sum /
           batch;
  };
  const double* out = network.forward(parameters.data(), input.data(), batch, workspace);
  compute_loss(spec.loss, spec.map_constant, out, labels, batch, network.output_size(), 1.0 / batch,
               network.output_gradient(workspace));
  std::vector<double> grad(parameters.size(), 0.0);
  network.backward(parameters.data(), input.data(), batch, workspace, grad.data());

  // Every layer's first and last parameters plus a spread of others.
  std::vector<std::size_t> probes;
  for (std::size_t layer = 0; layer < network.layer_count(); ++layer) {
    const std::size_t count = network.layer(layer).parameter_count();
    if (count == 0) continue;
    const std::size_t offset = network.parameter_offset(layer);
    for (std::size_t k = 0; k < 12; ++k) probes.push_back(offset + (count - 1) * k / 11);
  }
  constexpr double h = 1e-6;
  for (std::size_t i : probes) {
    auto shifted = parameters;
    shifted[i] += h;
    const double plus = loss(shifted);
    shifted[i] -= 2 * h;
    const double minus = loss(shifted);
    EXPECT_NEAR(grad[i], (plus - minus) / (2 * h), 1e-7 + 1e-5 * std::abs(grad[i])) << "parameter " << i;
  }
}

TEST(NetworkGradients, ModernPresetMatchesFiniteDifferences) {
  EXPECT_EQ(Network<double>(modern_preset()).parameter_count(), 61706u);
  check_network_gradients(modern_preset());
}

// Table I connections, trainable subsampling, RBF output and the MAP loss together.
TEST(NetworkGradients, ClassicPresetMatchesFiniteDifferences) {
  EXPECT_EQ(Network<double>(classic_preset()).parameter_count(), 60000u);
  check_network_gradients(classic_preset());
  NetworkSpec mse = classic_preset();
  mse.loss = LossKind::mse;
  check_network_gradients(mse);
}

// The float network runs the vectorised kernels (the direct convolutions for C1 and C3, with and without
// Table I), the double one the plain reference loops: forward, backward and the curvature pass must agree.
TEST(NetworkGradients, FloatAndDoubleNetworksAgree) {
  // Batches below and above the dense layers' examples-as-columns threshold (8), one not a multiple of 16.
  for (const int batch : {5, 17}) {
    for (const NetworkSpec& spec : {modern_preset(), classic_preset()}) {
      const Network<double> exact(spec);
      const Network<float> fast(spec);
      Rng rng(3);
      std::vector<double> parameters(exact.parameter_count());
      exact.initialize(parameters, rng);
      const std::vector<float> parameters_f(parameters.begin(), parameters.end());
      const std::vector<double> input = random_vector(std::size_t(batch) * exact.input_size(), rng);
      const std::vector<double> output_gradient = random_vector(std::size_t(batch) * exact.output_size(), rng);
      const std::vector<float> input_f(input.begin(), input.end());
      auto workspace = exact.make_workspace(batch, true);
      auto workspace_f = fast.make_workspace(batch, true);
      const double* out = exact.forward(parameters.data(), input.data(), batch, workspace);
      const float* out_f = fast.forward(parameters_f.data(), input_f.data(), batch, workspace_f);
      for (int i = 0; i < batch * exact.output_size(); ++i) EXPECT_NEAR(out_f[i], out[i], 1e-4 * (1 + std::abs(out[i])));

      for (const bool curvature : {false, true}) {
        for (std::size_t i = 0; i < output_gradient.size(); ++i) {
          exact.output_gradient(workspace)[i] = output_gradient[i];
          fast.output_gradient(workspace_f)[i] = float(output_gradient[i]);
          exact.output_curvature(workspace)[i] = std::abs(output_gradient[i]);
          fast.output_curvature(workspace_f)[i] = float(std::abs(output_gradient[i]));
        }
        std::vector<double> grad(parameters.size(), 0.0);
        std::vector<float> grad_f(parameters.size(), 0.0f);
        if (curvature) {
          exact.backward_curvature(parameters.data(), input.data(), batch, workspace, grad.data());
          fast.backward_curvature(parameters_f.data(), input_f.data(), batch, workspace_f, grad_f.data());
        } else {
          exact.backward(parameters.data(), input.data(), batch, workspace, grad.data());
          fast.backward(parameters_f.data(), input_f.data(), batch, workspace_f, grad_f.data());
        }
        // Each layer against its own largest value: the layers' gradients differ by orders of magnitude, and a
        // tolerance scaled to the whole network's largest would let a small-gradient layer be wrong (modern's C1
        // curvature peaks at 0.05 beside the output's 5). Float rounding stays under 3e-6 of a layer's largest.
        for (std::size_t layer = 0; layer < exact.layer_count(); ++layer) {
          const std::size_t first = exact.parameter_offset(layer), end = first + exact.layer(layer).parameter_count();
          double largest = 0;
          for (std::size_t i = first; i < end; ++i) largest = std::max(largest, std::abs(grad[i]));
          for (std::size_t i = first; i < end; ++i)
            ASSERT_NEAR(grad_f[i], grad[i], 1e-4 * largest)
                << (curvature ? "curvature" : "gradient") << " of parameter " << i << " (layer " << layer << ")";
        }
      }
    }
  }
}

}  // namespace
}  // namespace lenet5::nn
