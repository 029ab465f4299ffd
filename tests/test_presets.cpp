// What each preset promises beyond its layer table: the input encoding (§II-B), the initial weights
// (App. A and He's rule) and the training it recommends (§III-B, App. C). Expected numbers are worked out
// by hand in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "data/input.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/train.hpp"
#include "nn/network.hpp"

namespace lenet5 {
namespace {

struct Encoding {
  double background, ink, mid_grey;  // bytes 0, 255 and 128
};

// Encodes a 28×28 image with ink at its corners (0,0) and (27,27) and byte 128 at (x 14, y 13), and checks
// that it lands 2 pixels in from each side of the 32×32 input with the background all around.
void expect_encoding(const NetworkSpec& spec, const Encoding& expected) {
  std::vector<std::uint8_t> image(28 * 28, 0);
  image[0] = 255;
  image[27 * 28 + 27] = 255;
  image[13 * 28 + 14] = 128;
  std::vector<float> input(32 * 32);
  InputEncoder(spec).encode(image.data(), 28, 28, input.data());
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      double value = expected.background;
      if ((x == 2 && y == 2) || (x == 29 && y == 29)) value = expected.ink;
      if (x == 2 + 14 && y == 2 + 13) value = expected.mid_grey;
      ASSERT_NEAR(input[y * 32 + x], value, 1e-6) << spec.preset << " at x " << x << ", y " << y;
    }
}

TEST(PresetInput, ClassicIsThePapersMinusPoint1ToOnePoint175WithATwoPixelBorder) {
  // §II-B: background −0.1, ink 1.175; byte 128 maps linearly: −0.1 + 1.275·128/255 = −0.1 + 0.64 = 0.54.
  expect_encoding(classic_preset(), {-0.1, 1.175, 0.54});
}

TEST(PresetInput, ModernIsStandardisedByMnistsMeanAndDeviation) {
  // (v − 0.1307)/0.3081 for v = byte/255:
  //   v = 0:       −0.1307/0.3081          = −0.424212918
  //   v = 1:        0.8693/0.3081          =  2.821486530
  //   v = 128/255 = 0.501960784: 0.371260784/0.3081 = 1.205000923
  expect_encoding(modern_preset(), {-0.424212918, 2.821486530, 1.205000923});
}

// The weights of one unit group are uniform in ±bound: none beyond it, and (for 75 or more of them) the
// largest within 10 % of it — a bound wrong by more than that in either direction fails.
void expect_uniform_within(std::span<const float> weights, double bound, const std::string& what) {
  float largest = 0;
  for (float w : weights) largest = std::max(largest, std::abs(w));
  EXPECT_LE(largest, bound * (1 + 1e-6)) << what;
  EXPECT_GE(largest, 0.9 * bound) << what;
}

void expect_all(std::span<const float> values, float value, const std::string& what) {
  for (float v : values) ASSERT_EQ(v, value) << what;
}

// A layer's parameter slice in a freshly initialised model.
struct Slices {
  Model model;
  nn::Network<float> network;
  explicit Slices(const NetworkSpec& spec) : model(initialize_model(spec, 7)), network(spec) {}
  std::span<const float> layer(std::size_t index) const {
    return std::span<const float>(model.parameters).subspan(network.parameter_offset(index),
                                                              network.layer(index).parameter_count());
  }
};

TEST(PresetInitialisation, ClassicUsesTwoPoint4OverRootFanInAndUnitCoefficients) {
  // ±2.4/√F (App. A's aim, docs/classic.md), F the fan-in of the unit the weight feeds; biases 0;
  // the trainable subsampling starts as a plain mean: coefficient 1, bias 0.
  const Slices slices(classic_preset());
  // C1: 6 maps × 25 weights, F = 25: bound 2.4/5 = 0.48.
  expect_uniform_within(slices.layer(0).first(150), 0.48, "C1");
  expect_all(slices.layer(0).subspan(150), 0.0f, "C1 biases");
  // S2: 6 coefficients, 6 biases.
  expect_all(slices.layer(1).first(6), 1.0f, "S2 coefficients");
  expect_all(slices.layer(1).subspan(6), 0.0f, "S2 biases");
  // C3: Table I gives maps 0–5 three S2 inputs (F = 75), 6–14 four (F = 100), 15 six (F = 150):
  // bounds 2.4/√75 = 0.277128, 2.4/10 = 0.24, 2.4/√150 = 0.195959.
  const int inputs_per_map[16] = {3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6};
  const auto c3 = slices.layer(2);
  std::size_t offset = 0;
  for (int map = 0; map < 16; ++map) {
    const std::size_t count = std::size_t(inputs_per_map[map]) * 25;
    expect_uniform_within(c3.subspan(offset, count), 2.4 / std::sqrt(double(count)), "C3 map " + std::to_string(map));
    offset += count;
  }
  ASSERT_EQ(offset, 1500u);
  expect_all(c3.subspan(1500), 0.0f, "C3 biases");
  expect_all(slices.layer(3).first(16), 1.0f, "S4 coefficients");
  expect_all(slices.layer(3).subspan(16), 0.0f, "S4 biases");
  // C5: F = 16·25 = 400, bound 0.12; F6: F = 120, bound 2.4/√120 = 0.219089.
  expect_uniform_within(slices.layer(4).first(120 * 400), 0.12, "C5");
  expect_all(slices.layer(4).subspan(120 * 400), 0.0f, "C5 biases");
  expect_uniform_within(slices.layer(5).first(84 * 120), 0.219089, "F6");
  expect_all(slices.layer(5).subspan(84 * 120), 0.0f, "F6 biases");
  EXPECT_EQ(slices.layer(6).size(), 0u);  // the RBF prototypes are fixed, not parameters
}

TEST(PresetInitialisation, ModernUsesHeUniformAndOneOverRootFanInForTheOutput) {
  // ReLU layers: He uniform √(6/F); the linear output layer 1/√F; biases 0. Pooling has no parameters.
  const Slices slices(modern_preset());
  struct Expected {
    std::size_t layer, weights;
    double bound;
    const char* name;
  };
  const Expected layers[] = {
      {0, 6 * 25, std::sqrt(6.0 / 25), "C1"},             // 0.489898
      {2, 16 * 150, std::sqrt(6.0 / 150), "C3"},          // 0.2
      {4, 120 * 400, std::sqrt(6.0 / 400), "C5"},         // 0.122474
      {5, 84 * 120, std::sqrt(6.0 / 120), "F6"},          // 0.223607
      {6, 10 * 84, 1 / std::sqrt(84.0), "OUTPUT"},        // 0.109109
  };
  for (const Expected& expected : layers) {
    expect_uniform_within(slices.layer(expected.layer).first(expected.weights), expected.bound, expected.name);
    expect_all(slices.layer(expected.layer).subspan(expected.weights), 0.0f, std::string(expected.name) + " biases");
  }
  EXPECT_EQ(slices.layer(1).size(), 0u);
  EXPECT_EQ(slices.layer(3).size(), 0u);
}

TEST(PresetTraining, ClassicRecommendsThePapersSdlmSession) {
  // §III-B: online SDLM (batch 1), 20 passes, η from 0.0005 on the paper's schedule; one thread so that the
  // pattern order is the paper's one at a time. App. C: μ = 0.02, curvature on 500 patterns.
  const TrainOptions options = recommended_training("classic");
  EXPECT_EQ(options.optimizer, OptimizerKind::sdlm);
  EXPECT_EQ(options.schedule, Schedule::paper);
  EXPECT_EQ(options.learning_rate, 0.0005f);
  EXPECT_EQ(options.batch, 1);
  EXPECT_EQ(options.epochs, 20);
  EXPECT_EQ(options.threads, 1);
  EXPECT_EQ(options.sdlm_mu, 0.02f);
  EXPECT_EQ(options.curvature_samples, 500);
}

TEST(PresetTraining, ModernRecommendsTheDefaults) {
  // The defaults documented in lenet5/train.hpp (docs/training.md): Adam at 0.003 on a cosine schedule,
  // batches of 64, 5 epochs, all cores, no decay, no distortions.
  const TrainOptions options = recommended_training("modern");
  EXPECT_EQ(options.optimizer, OptimizerKind::adam);
  EXPECT_EQ(options.schedule, Schedule::cosine);
  EXPECT_EQ(options.learning_rate, 0.003f);
  EXPECT_EQ(options.batch, 64);
  EXPECT_EQ(options.epochs, 5);
  EXPECT_EQ(options.threads, 0);
  EXPECT_EQ(options.weight_decay, 0.0f);
  EXPECT_FALSE(options.distortions);
  // App. C's μ and sample count are the defaults for anyone who picks SDLM.
  EXPECT_EQ(TrainOptions{}.sdlm_mu, 0.02f);
  EXPECT_EQ(TrainOptions{}.curvature_samples, 500);
}

TEST(PresetTraining, DefaultLearningRates) {
  EXPECT_EQ(default_learning_rate(OptimizerKind::adam), 0.003f);
  EXPECT_EQ(default_learning_rate(OptimizerKind::sgd), 0.05f);
  EXPECT_EQ(default_learning_rate(OptimizerKind::sdlm), 0.0005f);  // §III-B's first two passes
}

}  // namespace
}  // namespace lenet5
