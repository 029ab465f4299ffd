// The 1998 preset: its counts and Table I, the MAP loss, and the SDLM curvature (App. C).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "lenet5/network_spec.hpp"
#include "nn/loss.hpp"
#include "nn/network.hpp"
#include "test_util.hpp"

namespace lenet5::nn {
namespace {

using testing_util::loss_of;

TEST(ClassicPreset, EveryCountIsThePapers) {
  struct Expected {
    const char* name;
    std::size_t parameters, fixed;
    std::uint64_t connections;
  };
  const Expected expected[] = {{"C1", 156, 0, 122304}, {"S2", 12, 0, 5880},    {"C3", 1516, 0, 151600},
                               {"S4", 32, 0, 2000},    {"C5", 48120, 0, 48120}, {"F6", 10164, 0, 10164},
                               {"OUTPUT", 0, 840, 840}};
  const auto rows = summarize(classic_preset());
  ASSERT_EQ(rows.size(), std::size(expected));
  std::size_t parameters = 0;
  std::uint64_t connections = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].name, expected[i].name);
    EXPECT_EQ(rows[i].parameters, expected[i].parameters) << rows[i].name;
    EXPECT_EQ(rows[i].fixed_parameters, expected[i].fixed) << rows[i].name;
    EXPECT_EQ(rows[i].connections, expected[i].connections) << rows[i].name;
    parameters += rows[i].parameters;
    connections += rows[i].connections;
  }
  EXPECT_EQ(parameters, 60000u);
  EXPECT_EQ(connections, 340908u);
  EXPECT_EQ(Network<float>(classic_preset()).parameter_count(), 60000u);
}

TEST(ClassicPreset, C3FollowsTableOne) {
  // The S2 maps each C3 map reads, column by column of the paper's Table I.
  const std::vector<std::vector<int>> inputs = {
      {0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {0, 4, 5}, {0, 1, 5},          // three contiguous
      {0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {0, 3, 4, 5}, {0, 1, 4, 5}, {0, 1, 2, 5},  // four contiguous
      {0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5},                                  // four non-contiguous
      {0, 1, 2, 3, 4, 5}};                                                       // all six
  const NetworkSpec spec = classic_preset();
  const auto& c3 = std::get<ConvSpec>(spec.layers[2].op);
  ASSERT_EQ(c3.connections.size(), 16u);
  int total = 0;
  for (int map = 0; map < 16; ++map) {
    std::vector<int> connected;
    for (int s2 = 0; s2 < 6; ++s2)
      if (c3.connections[map][s2]) connected.push_back(s2);
    EXPECT_EQ(connected, inputs[map]) << "C3 map " << map;
    total += static_cast<int>(connected.size());
  }
  EXPECT_EQ(total, 60);
}

// j of eq. 9 is not in the paper: 7 was chosen on held-out training images (docs/classic.md), and a model's
// description records it.
TEST(ClassicPreset, TrainsOnTheMapLossWithTheChosenConstant) {
  const NetworkSpec spec = classic_preset();
  EXPECT_EQ(spec.loss, LossKind::map);
  EXPECT_EQ(spec.map_constant, 7.0f);
  EXPECT_NE(to_text(spec).find("loss map j=7\n"), std::string::npos) << to_text(spec);
}

TEST(ClassicPreset, DescriptionRoundTripsThroughText) {
  NetworkSpec spec = classic_preset();
  spec.map_constant = 2.5f;
  EXPECT_EQ(parse_network_spec(to_text(spec)), spec);
}

TEST(MapLoss, ValueGradientAndCurvatureMatchTheFormula) {
  const std::vector<double> y = {3.0, 0.5, 7.0, 2.0};
  const std::uint8_t label = 1;
  const double j = 1.5;
  double z = std::exp(-j);
  for (double v : y) z += std::exp(-v);
  EXPECT_NEAR(loss_of(LossKind::map, y, label), y[label] + std::log(z), 1e-12);  // eq. 9
  std::vector<double> grad(4), curvature(4);
  compute_loss(LossKind::map, float(j), y.data(), &label, 1, 4, 1.0, grad.data(), curvature.data());
  constexpr double h = 1e-5;
  for (int i = 0; i < 4; ++i) {
    auto plus = y, minus = y;
    plus[i] += h;
    minus[i] -= h;
    const double f_plus = loss_of(LossKind::map, plus, label), f_minus = loss_of(LossKind::map, minus, label);
    EXPECT_NEAR(grad[i], (f_plus - f_minus) / (2 * h), 1e-8) << i;
    // The log-sum-exp's Hessian diagonal p(1 − p) is its exact second derivative along y_i.
    EXPECT_NEAR(curvature[i], (f_plus - 2 * loss_of(LossKind::map, y, label) + f_minus) / (h * h), 1e-4) << i;
  }
  EXPECT_NEAR(loss_of(LossKind::mse, y, label), y[label], 1e-12);  // eq. 8
}

// RBF outputs are penalties under both criteria: the smallest one is the answer, so training's on-the-fly
// accuracy counts a pattern right when its own penalty is the smallest.
TEST(RbfLosses, CountTheSmallestPenaltyAsTheAnswer) {
  const std::vector<double> y = {3.0, 0.5, 7.0, 2.0};
  std::vector<double> unused(4);
  for (const LossKind kind : {LossKind::mse, LossKind::map}) {
    SCOPED_TRACE(to_string(kind));
    for (std::uint8_t label = 0; label < 4; ++label)
      EXPECT_EQ(compute_loss(kind, 7.0f, y.data(), &label, 1, 4, 1.0, unused.data()).correct, label == 1 ? 1 : 0)
          << "label " << int(label);
  }
}

// For linear layers into the RBF output with the MSE criterion, E = Σ_j (x_j − w_Dj)², quadratic in every
// single parameter: the curvature pass's result, each parameter's exact second derivative (central
// differences) and the input.
struct CurvatureCheck {
  std::vector<double> curvature, second_derivative, input, parameters;
};

CurvatureCheck check_curvature(const std::vector<LayerSpec>& layers, Shape input) {
  NetworkSpec spec;
  spec.preset = "test";
  spec.input = input;
  spec.scaling.resize(std::size_t(input.channels));
  spec.layers = layers;
  spec.loss = LossKind::mse;
  const Network<double> network(spec);
  Rng rng(5);
  std::vector<double> parameters(network.parameter_count());
  for (double& p : parameters) p = rng.uniform(-0.5f, 0.5f);
  constexpr int batch = 2;
  std::vector<double> x(std::size_t(batch) * network.input_size());
  for (double& v : x) v = rng.uniform(-1.0f, 1.0f);
  const std::uint8_t labels[batch] = {4, 7};
  auto workspace = network.make_workspace(batch, true);
  const auto loss = [&](const std::vector<double>& p) {
    const double* out = network.forward(p.data(), x.data(), batch, workspace);
    std::vector<double> unused(std::size_t(batch) * 10);
    return compute_loss(LossKind::mse, 1.0f, out, labels, batch, 10, 1.0 / batch, unused.data()).sum / batch;
  };
  const double* out = network.forward(parameters.data(), x.data(), batch, workspace);
  compute_loss(LossKind::mse, 1.0f, out, labels, batch, 10, 1.0 / batch, network.output_gradient(workspace),
               network.output_curvature(workspace));
  std::vector<double> curvature(parameters.size(), 0.0);
  network.backward_curvature(parameters.data(), x.data(), batch, workspace, curvature.data());
  const double at = loss(parameters);
  constexpr double h = 1e-3;  // E is quadratic in each parameter: the central difference is exact
  std::vector<double> second_derivative(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    auto shifted = parameters;
    shifted[i] += h;
    const double plus = loss(shifted);
    shifted[i] -= 2 * h;
    const double minus = loss(shifted);
    second_derivative[i] = (plus - 2 * at + minus) / (h * h);
  }
  return {curvature, second_derivative, x, parameters};
}

// Networks for which the Gauss-Newton diagonal is the exact second derivative: every weight reaches each
// unit through one connection.
void expect_curvature_is_second_derivative(const std::vector<LayerSpec>& layers, Shape input) {
  const CurvatureCheck check = check_curvature(layers, input);
  for (std::size_t i = 0; i < check.curvature.size(); ++i)
    EXPECT_NEAR(check.curvature[i], check.second_derivative[i], 1e-5 * (1 + check.curvature[i])) << "parameter " << i;
}

TEST(SdlmCurvature, EqualsTheSecondDerivativeOfATinyNetwork) {
  // A convolution with a connection table and shared weights (21 maps of 2×2 = 84 values) into the RBF.
  std::vector<std::vector<bool>> table(21, std::vector<bool>{true, false, true});
  table[3] = {false, true, false};
  expect_curvature_is_second_derivative({{"C", ConvSpec{21, 3, table, std::nullopt}}, {"OUTPUT", RbfSpec{10}}},
                                        {3, 4, 4});
  // A fully connected layer.
  expect_curvature_is_second_derivative({{"F", DenseSpec{84, std::nullopt}}, {"OUTPUT", RbfSpec{10}}}, {5, 2, 2});
}

TEST(SdlmCurvature, SubsamplingCoefficientsSumTheirConnections) {
  // Trainable subsampling: 21 maps of 4×4 into 2×2, one coefficient and one bias per map. Each bias reaches
  // a unit through one connection: its curvature is the exact second derivative. Each coefficient reaches a
  // unit through four (one per input of the block): eq. 25 without off-diagonal terms sums them, so with
  // ∂²E/∂a² = 2 (MSE, linear units) its curvature is the batch mean of Σ_units 2·Σ_block (x/4)².
  constexpr int maps = 21, batch = 2;
  const CurvatureCheck check =
      check_curvature({{"S", SubsampleSpec{Pooling::average, true, std::nullopt}}, {"OUTPUT", RbfSpec{10}}},
                      {maps, 4, 4});
  ASSERT_EQ(check.curvature.size(), std::size_t(2 * maps));
  for (int m = 0; m < maps; ++m) {
    double expected = 0;
    for (int n = 0; n < batch; ++n)
      for (int i = 0; i < 16; ++i) {
        const double x = check.input[(std::size_t(n) * maps + m) * 16 + i];
        expected += 2 * (x / 4) * (x / 4) / batch;
      }
    EXPECT_NEAR(check.curvature[m], expected, 1e-9) << "coefficient " << m;
    EXPECT_NEAR(check.curvature[maps + m], check.second_derivative[maps + m], 1e-5 * (1 + check.curvature[maps + m]))
        << "bias " << m;
  }
}

TEST(SdlmCurvature, SquashingUnitsScaleItByTheirSquaredSlope) {
  // A fully connected layer of squashing units into the RBF output under MSE: E = Σ_j (f(a_j) − w_Dj)²,
  // a_j = Σ_k W_jk·x_k + b_j. The output's second derivative 2 reaches a_j times f′(a_j)² (eq. 27 without
  // off-diagonal terms), so W_jk's curvature is 2·f′(a_j)²·x_k² and b_j's 2·f′(a_j)², both averaged over the
  // batch, with f′(a) = A·S·(1 − tanh²(S·a)) (App. A: A = 1.7159, S = 2/3).
  constexpr int inputs = 20, units = 84, batch = 2;
  const CurvatureCheck check = check_curvature(
      {{"F", DenseSpec{units, Activation::scaled_tanh}}, {"OUTPUT", RbfSpec{10}}}, {5, 2, 2});
  ASSERT_EQ(check.curvature.size(), std::size_t(units) * (inputs + 1));
  const auto& w = check.parameters;
  for (int j = 0; j < units; ++j) {
    std::vector<double> slope_squared(batch);
    for (int n = 0; n < batch; ++n) {
      double a = w[std::size_t(units) * inputs + j];  // the bias, after the weights
      for (int k = 0; k < inputs; ++k) a += w[std::size_t(j) * inputs + k] * check.input[std::size_t(n) * inputs + k];
      const double t = std::tanh(2.0 / 3.0 * a), slope = 1.7159 * 2.0 / 3.0 * (1 - t * t);
      slope_squared[n] = slope * slope;
    }
    for (int k = 0; k < inputs; ++k) {
      double expected = 0;
      for (int n = 0; n < batch; ++n) {
        const double x = check.input[std::size_t(n) * inputs + k];
        expected += 2 * slope_squared[n] * x * x / batch;
      }
      EXPECT_NEAR(check.curvature[std::size_t(j) * inputs + k], expected, 1e-12) << "W " << j << "," << k;
    }
    EXPECT_NEAR(check.curvature[std::size_t(units) * inputs + j], (slope_squared[0] + slope_squared[1]), 1e-12)
        << "b " << j;
  }
}

TEST(SdlmCurvature, IsNeverNegativeThroughTheWholeClassicNetwork) {
  const NetworkSpec spec = classic_preset();
  const Network<float> network(spec);
  Rng rng(9);
  std::vector<float> parameters(network.parameter_count());
  network.initialize(parameters, rng);
  constexpr int batch = 4;
  std::vector<float> x(std::size_t(batch) * network.input_size());
  for (float& v : x) v = rng.uniform(-0.1f, 1.175f);
  const std::uint8_t labels[batch] = {0, 3, 5, 9};
  auto workspace = network.make_workspace(batch, true);
  const float* out = network.forward(parameters.data(), x.data(), batch, workspace);
  compute_loss(spec.loss, spec.map_constant, out, labels, batch, 10, 1.0f / batch, network.output_gradient(workspace),
               network.output_curvature(workspace));
  std::vector<float> curvature(parameters.size(), 0.0f);
  network.backward_curvature(parameters.data(), x.data(), batch, workspace, curvature.data());
  std::size_t positive = 0;
  for (float c : curvature) {
    ASSERT_GE(c, 0.0f);
    positive += c > 0.0f;
  }
  EXPECT_GT(positive, curvature.size() * 9 / 10);
}

}  // namespace
}  // namespace lenet5::nn
