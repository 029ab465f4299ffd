// The update rules' arithmetic over several steps, against numbers worked out by hand from each rule's
// formula (the working is in the comments). Gradients arrive as two per-thread shares, summed by step().
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/thread_pool.hpp"
#include "nn/optimizer.hpp"

namespace lenet5::nn {
namespace {

// Runs one optimizer step on `parameters` with the batch gradient split into two shares (`first` + `second`),
// on a two-thread pool so that each thread updates its own range of parameters.
class TwoShareStepper {
 public:
  TwoShareStepper(const TrainOptions& options, std::size_t count)
      : optimizer_(make_optimizer(options, count)), pool_(2) {}

  Optimizer& optimizer() { return *optimizer_; }

  void step(std::vector<float>& parameters, std::vector<float> first, std::vector<float> second, float learning_rate) {
    const std::array<float*, 2> shares = {first.data(), second.data()};
    optimizer_->step(parameters, shares, learning_rate, pool_);
  }

 private:
  std::unique_ptr<Optimizer> optimizer_;
  ThreadPool pool_;
};

TEST(SgdMomentum, ThreeStepsByHand) {
  // PyTorch's form with L2 decay: v ← μ·v + g + λ·w, w ← w − lr·v. μ = 0.75, λ = 0.25, lr = 0.5 and the
  // values below are binary fractions, so every step is exact in float. (μ ≠ ½, so μ·v and (1 − μ)·v differ.)
  TrainOptions options;
  options.optimizer = OptimizerKind::sgd;
  options.momentum = 0.75f;
  options.weight_decay = 0.25f;
  TwoShareStepper sgd(options, 2);
  // Parameter 0 starts at 2 with batch gradients 1, −2, 0.5; parameter 1 starts at 0 with gradient 1 each step.
  std::vector<float> w = {2.0f, 0.0f};
  // step 1: v0 = 0 + 1 + 0.25·2 = 1.5,                      w0 = 2 − 0.5·1.5 = 1.25
  //         v1 = 0 + 1 + 0 = 1,                             w1 = 0 − 0.5 = −0.5
  sgd.step(w, {0.25f, 0.5f}, {0.75f, 0.5f}, 0.5f);
  EXPECT_EQ(w[0], 1.25f);
  EXPECT_EQ(w[1], -0.5f);
  // step 2: v0 = 0.75·1.5 − 2 + 0.25·1.25 = −0.5625,          w0 = 1.25 + 0.5·0.5625 = 1.53125
  //         v1 = 0.75·1 + 1 + 0.25·(−0.5) = 1.625,          w1 = −0.5 − 0.8125 = −1.3125
  sgd.step(w, {-1.0f, 1.0f}, {-1.0f, 0.0f}, 0.5f);
  EXPECT_EQ(w[0], 1.53125f);
  EXPECT_EQ(w[1], -1.3125f);
  // step 3: v0 = 0.75·(−0.5625) + 0.5 + 0.25·1.53125 = 0.4609375,   w0 = 1.53125 − 0.23046875 = 1.30078125
  //         v1 = 0.75·1.625 + 1 + 0.25·(−1.3125) = 1.890625,      w1 = −1.3125 − 0.9453125 = −2.2578125
  sgd.step(w, {0.5f, 0.25f}, {0.0f, 0.75f}, 0.5f);
  EXPECT_EQ(w[0], 1.30078125f);
  EXPECT_EQ(w[1], -2.2578125f);
}

TEST(Adam, ThreeBiasCorrectedStepsByHand) {
  // Kingma & Ba with β1 = 0.9, β2 = 0.999, ε = 1e-8 and L2 decay added to the gradient:
  //   g = grad + λw;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
  //   w ← w − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
  // λ = 0.5, lr = 0.1, w starts at 1, batch gradients 1.5, −0.5, 2.
  //   t = 1: g = 1.5 + 0.5 = 2; m = 0.2, v = 0.004; m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4;
  //          w = 1 − 0.1·2/(2 + 1e-8) = 0.9000000005
  //   t = 2: g = −0.5 + 0.45 = −0.05; m = 0.18 − 0.005 = 0.175; v = 0.003996 + 0.0000025 = 0.0039985;
  //          m̂ = 0.175/0.19 = 0.92105263; v̂ = 0.0039985/0.001999 = 2.00025013, √ = 1.41430199;
  //          w = 0.9 − 0.1·0.92105263/1.41430199 = 0.9 − 0.06512418 = 0.83487582
  //   t = 3: g = 2 + 0.41743791 = 2.41743791; m = 0.1575 + 0.24174379 = 0.39924379;
  //          v = 0.99900 · 0.0039985 + 0.001·5.84400 = 0.00983851; 1 − β1³ = 0.271, 1 − β2³ = 0.002997001;
  //          m̂ = 1.47322432, v̂ = 3.28278420, √ = 1.81184552; w = 0.83487582 − 0.08131070 = 0.75356512
  // Without the first moment's bias correction step 1 alone would move w by 0.01 instead of 0.1.
  // Adam is odd in the gradient and the decay is linear: parameter 1, mirrored (w = −1, gradients negated),
  // must end mirrored.
  TrainOptions options;
  options.optimizer = OptimizerKind::adam;
  options.weight_decay = 0.5f;
  TwoShareStepper adam(options, 2);
  std::vector<float> w = {1.0f, -1.0f};
  const double expected[] = {0.9000000005, 0.83487582, 0.75356512};
  const float gradients[] = {1.5f, -0.5f, 2.0f};
  for (int t = 0; t < 3; ++t) {
    const float g = gradients[t];
    adam.step(w, {0.25f * g, -0.25f * g}, {0.75f * g, -0.75f * g}, 0.1f);
    EXPECT_NEAR(w[0], expected[t], 1e-6) << "step " << t + 1;
    EXPECT_NEAR(w[1], -expected[t], 1e-6) << "step " << t + 1;
  }
}

TEST(Sdlm, StepIsRateOverMuPlusCurvatureTimesDecayedGradient) {
  // App. C, eq. 21 with L2 decay: w ← w − lr/(μ + h)·(g + λw). μ = 0.25 and curvatures 0.75 and 1.75 make
  // the denominators 1 and 2; λ = 0.5, lr = 0.5; all exact in float.
  TrainOptions options;
  options.optimizer = OptimizerKind::sdlm;
  options.sdlm_mu = 0.25f;
  options.weight_decay = 0.5f;
  TwoShareStepper sdlm(options, 2);
  ASSERT_TRUE(sdlm.optimizer().needs_curvature());
  sdlm.optimizer().set_curvature(std::vector<float>{0.75f, 1.75f});
  std::vector<float> w = {1.0f, -2.0f};
  // step 1, g = (1, 1): w0 = 1 − 0.5/1·(1 + 0.5) = 0.25;  w1 = −2 − 0.5/2·(1 − 1) = −2
  sdlm.step(w, {0.5f, 0.25f}, {0.5f, 0.75f}, 0.5f);
  EXPECT_EQ(w[0], 0.25f);
  EXPECT_EQ(w[1], -2.0f);
  // step 2, g = (−0.5, 3): w0 = 0.25 − 0.5·(−0.5 + 0.125) = 0.4375;  w1 = −2 − 0.25·(3 − 1) = −2.5
  sdlm.step(w, {-0.25f, 1.0f}, {-0.25f, 2.0f}, 0.5f);
  EXPECT_EQ(w[0], 0.4375f);
  EXPECT_EQ(w[1], -2.5f);
  // New curvatures 3.75 and 0.25 (denominators 4 and 0.5), g = (1, 0):
  //   w0 = 0.4375 − 0.5/4·(1 + 0.21875) = 0.28515625;  w1 = −2.5 − 0.5/0.5·(0 − 1.25) = −1.25
  sdlm.optimizer().set_curvature(std::vector<float>{3.75f, 0.25f});
  sdlm.step(w, {1.0f, 0.0f}, {0.0f, 0.0f}, 0.5f);
  EXPECT_EQ(w[0], 0.28515625f);
  EXPECT_EQ(w[1], -1.25f);
}

}  // namespace
}  // namespace lenet5::nn
