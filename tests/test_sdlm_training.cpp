// SDLM through lenet5::train (App. C) on a network small enough to follow by hand: a 2×2 input (bytes/255)
// into one linear dense layer of 84 units into the RBF output. For the MSE criterion, E = Σ_j (x_j − w_Dj)²
// with x = W·in + b, so per pattern ∂²E/∂x_j² = 2, the Gauss-Newton curvature of weight W_jk is 2·in_k² and
// that of bias b_j is 2 — whatever the weights, which makes each parameter's step η/(μ + h̄) predictable.
// The reference below recomputes the forward pass, the gradient and the step in double precision from those
// formulas; it shares no code with the library.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "lenet5/model.hpp"
#include "lenet5/train.hpp"
#include "nn/rbf_prototypes.hpp"

namespace lenet5 {
namespace {

constexpr int kInputs = 4, kUnits = 84, kClasses = 10;
constexpr int kLabel = 3;
using Input = std::array<double, kInputs>;

NetworkSpec tiny_spec(LossKind loss) {
  NetworkSpec spec;
  spec.preset = "tiny";
  spec.input = {1, 2, 2};
  spec.scaling = {InputScaling{0.0f, 1.0f}};  // input = byte / 255
  spec.layers = {{"F", DenseSpec{kUnits, std::nullopt}}, {"OUTPUT", RbfSpec{kClasses}}};
  spec.loss = loss;
  return spec;
}

// Two images, both labelled 3, whose bytes are multiples of 51 so their inputs are 0, 0.2, … 1:
//   A = (1, 0, 0.4, 0.2), B = (0, 1, 0.8, 0.2).
Dataset two_images() {
  Dataset data;
  data.count = 2;
  data.rows = data.cols = 2;
  data.images = {255, 0, 102, 51, 0, 255, 204, 51};
  data.labels = {kLabel, kLabel};
  return data;
}
const Input kInputA = {1.0, 0.0, 0.4, 0.2}, kInputB = {0.0, 1.0, 0.8, 0.2};

// The dense layer's parameters as the library lays them out: W (84 × 4, row-major), then b (84).
using Parameters = std::vector<double>;
double& weight(Parameters& p, int j, int k) { return p[std::size_t(j) * kInputs + k]; }
double& bias(Parameters& p, int j) { return p[std::size_t(kUnits) * kInputs + j]; }

// Starting point: W = 0 and b = 0.9·(prototype of 3), so every output is near the right class's code
// (y_3 = 84·0.1² = 0.84, the others ≥ 0.84 + 15·(1.9² − 0.1²) = 54.84) and the MAP criterion's probability
// of the right class is far from 0 and from 1.
Parameters starting_parameters() {
  const std::vector<float> prototypes = nn::rbf_prototypes();
  Parameters p(std::size_t(kUnits) * (kInputs + 1), 0.0);
  for (int j = 0; j < kUnits; ++j) bias(p, j) = 0.9 * prototypes[kLabel * kUnits + j];
  return p;
}

// dE/dx for one pattern of class kLabel. MSE (eq. 8): 2(x_j − w_Dj). MAP (eq. 9) with p_i = e^{−y_i} /
// (e^{−j} + Σ_k e^{−y_k}): dE/dy_i = δ_iD − p_i, and dE/dx_j = Σ_i dE/dy_i · 2(x_j − w_ij).
std::vector<double> output_gradient(LossKind loss, float map_constant, const std::vector<double>& x) {
  const std::vector<float> w = nn::rbf_prototypes();
  std::vector<double> gradient(kUnits, 0.0);
  std::array<double, kClasses> dE_dy{};
  if (loss == LossKind::mse) {
    dE_dy[kLabel] = 1.0;
  } else {
    std::array<double, kClasses> y{};
    double total = std::exp(-double(map_constant));
    for (int i = 0; i < kClasses; ++i) {
      for (int j = 0; j < kUnits; ++j) y[i] += (x[j] - w[i * kUnits + j]) * (x[j] - w[i * kUnits + j]);
      total += std::exp(-y[i]);
    }
    for (int i = 0; i < kClasses; ++i) dE_dy[i] = (i == kLabel ? 1.0 : 0.0) - std::exp(-y[i]) / total;
  }
  for (int i = 0; i < kClasses; ++i)
    for (int j = 0; j < kUnits; ++j) gradient[j] += dE_dy[i] * 2 * (x[j] - w[i * kUnits + j]);
  return gradient;
}

// One SDLM step on the batch {inputs} (the mean gradient), with the curvature averaged over `curvature_inputs`:
// h̄(W_jk) = mean of 2·in_k², h̄(b_j) = 2; each parameter moves by η/(μ + h̄)·g.
Parameters sdlm_step(const TrainOptions& options, LossKind loss, float map_constant, Parameters p,
                     const std::vector<Input>& inputs, const std::vector<Input>& curvature_inputs) {
  Parameters gradient(p.size(), 0.0);
  for (const Input& in : inputs) {
    std::vector<double> x(kUnits);
    for (int j = 0; j < kUnits; ++j) {
      x[j] = bias(p, j);
      for (int k = 0; k < kInputs; ++k) x[j] += weight(p, j, k) * in[k];
    }
    const std::vector<double> dE_dx = output_gradient(loss, map_constant, x);
    for (int j = 0; j < kUnits; ++j) {
      for (int k = 0; k < kInputs; ++k) weight(gradient, j, k) += dE_dx[j] * in[k] / double(inputs.size());
      bias(gradient, j) += dE_dx[j] / double(inputs.size());
    }
  }
  std::array<double, kInputs> weight_curvature{};
  for (const Input& in : curvature_inputs)
    for (int k = 0; k < kInputs; ++k) weight_curvature[k] += 2 * in[k] * in[k] / double(curvature_inputs.size());
  const double eta = options.learning_rate, mu = options.sdlm_mu;
  for (int j = 0; j < kUnits; ++j) {
    for (int k = 0; k < kInputs; ++k) weight(p, j, k) -= eta / (mu + weight_curvature[k]) * weight(gradient, j, k);
    bias(p, j) -= eta / (mu + 2.0) * bias(gradient, j);
  }
  return p;
}

// SDLM in batches of the whole set, so each pass is one step whatever the shuffled order; one thread.
// The rate is constant and larger than the paper's 0.0005 so that every step stands well above float
// rounding; μ is the default, App. C's 0.02.
TrainOptions whole_batch_sdlm(int epochs, int curvature_samples) {
  TrainOptions options;
  options.optimizer = OptimizerKind::sdlm;
  options.schedule = Schedule::constant;
  options.learning_rate = 0.05f;
  options.batch = 2;
  options.epochs = epochs;
  options.curvature_samples = curvature_samples;
  options.threads = 1;
  return options;
}

Model trained(LossKind loss, const TrainOptions& options) {
  Model model;
  model.spec = tiny_spec(loss);
  const Parameters start = starting_parameters();
  model.parameters.assign(start.begin(), start.end());
  train(model, two_images(), nullptr, options);
  return model;
}

// Whether the float parameters equal the reference within float rounding: 1e-4 of how far the parameter
// moved from its start, plus a few units in the last place of a value near 1.
bool matches(const std::vector<float>& actual, const Parameters& expected, std::string* first_difference = nullptr) {
  const Parameters start = starting_parameters();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double tolerance = 1e-4 * std::abs(expected[i] - start[i]) + 3e-7;
    if (!(std::abs(actual[i] - expected[i]) <= tolerance)) {
      if (first_difference)
        *first_difference = "parameter " + std::to_string(i) + ": " + std::to_string(actual[i]) + " instead of " +
                            std::to_string(expected[i]);
      return false;
    }
  }
  return true;
}

TEST(SdlmTraining, StepUsesCurvatureAveragedOverThePatterns) {
  // Curvature over both images (the default 500 samples, clipped to the set): h̄(W_jk) = in_A,k² + in_B,k²,
  // i.e. 1, 1, 0.16 + 0.64 = 0.8, 0.04 + 0.04 = 0.08 for k = 0…3, and h̄(b_j) = 2.
  const TrainOptions options = whole_batch_sdlm(1, TrainOptions{}.curvature_samples);
  const Model model = trained(LossKind::mse, options);
  const Parameters expected =
      sdlm_step(options, LossKind::mse, 0, starting_parameters(), {kInputA, kInputB}, {kInputA, kInputB});
  std::string difference;
  EXPECT_TRUE(matches(model.parameters, expected, &difference)) << difference;
  // The hand numbers for one of them: unit 0 (prototype pixel −1, so x_0 = −0.9 and dE/dx_0 = 2·0.1 = 0.2);
  // weight W_0,3: g = 0.2·0.2 = 0.04, step 0.05/(0.02 + 0.08) = 0.5, so W_0,3 = −0.02; bias b_0: g = 0.2,
  // b_0 = −0.9 − 0.05/2.02·0.2 = −0.904950495.
  ASSERT_EQ(nn::rbf_prototypes()[kLabel * kUnits + 0], -1.0f);
  EXPECT_NEAR(model.parameters[3], -0.02, 1e-6);
  EXPECT_NEAR(model.parameters[kUnits * kInputs], -0.904950495, 1e-6);
}

TEST(SdlmTraining, MapCriterionStepsWithTheMseCurvature) {
  // App. C gives the output's second derivative for MSE only (∂²E/∂x² = 2); the MAP preset keeps it, while
  // its gradient is MAP's own. Near the right code MAP's own curvature would be about 2(1 − p_3) ≈ 0.004,
  // and every step some 100 times larger.
  const TrainOptions options = whole_batch_sdlm(1, 2);
  const Model model = trained(LossKind::map, options);
  const float j = tiny_spec(LossKind::map).map_constant;
  const Parameters expected =
      sdlm_step(options, LossKind::map, j, starting_parameters(), {kInputA, kInputB}, {kInputA, kInputB});
  std::string difference;
  EXPECT_TRUE(matches(model.parameters, expected, &difference)) << difference;
}

TEST(SdlmTraining, CurvatureIsReestimatedOnEachPassesFirstSamples) {
  // With curvature_samples = 1 each pass's curvature comes from the first image of its shuffled order,
  // A or B (h̄(W_j0) = 2 or 0: steps 50 times apart). Two passes give four possible results; whatever the
  // order, the model must be exactly one of them, and over eight seeds some must use a different image in
  // pass 2 than in pass 1 (a curvature estimated once would always use the same one).
  const std::vector<Input> both = {kInputA, kInputB};
  int reestimated = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    TrainOptions options = whole_batch_sdlm(2, 1);
    options.seed = seed;
    const Model model = trained(LossKind::mse, options);
    int matched = 0;
    for (const Input& first : both)
      for (const Input& second : both) {
        const Parameters after_pass1 = sdlm_step(options, LossKind::mse, 0, starting_parameters(), both, {first});
        if (matches(model.parameters, sdlm_step(options, LossKind::mse, 0, after_pass1, both, {second}))) {
          ++matched;
          reestimated += first != second;
        }
      }
    EXPECT_EQ(matched, 1) << "seed " << seed;
  }
  EXPECT_GT(reestimated, 0);
}

}  // namespace
}  // namespace lenet5
