// The RBF output layer (eq. 7) on inputs whose penalties can be counted off the bitmaps by hand, and its
// backward pass under the MSE criterion.
#include <gtest/gtest.h>

#include <vector>

#include "nn/layers.hpp"
#include "nn/rbf_prototypes.hpp"

namespace lenet5::nn {
namespace {

constexpr int kClasses = 10;

std::unique_ptr<Layer<double>> rbf_layer() { return make_layer<double>({"OUTPUT", RbfSpec{kClasses}}, {84, 1, 1}); }

// The 84 inputs that draw `digit`: +1 on its ink, −1 elsewhere, read straight from the ASCII art.
std::vector<double> drawn(int digit) {
  std::vector<double> x;
  for (std::string_view row : digit_bitmaps()[digit])
    for (char pixel : row) x.push_back(pixel == '#' ? 1.0 : -1.0);
  return x;
}

TEST(RbfOutput, PenaltiesCountedOffTheBitmaps) {
  // y_i = Σ_j (x_j − w_ij)², w = ±1. Three inputs, one batch:
  //  - all 0: every (0 ∓ 1)² = 1, so y_i = 84 for every class;
  //  - all −1 (blank): 4 per ink pixel of digit i. Counted in the drawings row by row: 1 has
  //    1+2+2+1+1+1+1+1+1+5 = 16 ink pixels (y = 64), 3 has 5+1+1+1+2+1+1+1+2+3 = 18 (y = 72), 7 has 5+9·1 = 14 (56);
  //  - the drawing of 3: 0 for class 3, 4 per pixel where another digit differs: 7 differs from 3 in rows 3–10
  //    by 2+2+3+2+2+2+3+2 = 18 pixels (y = 72), 8 in 15 (the closest to 3, y = 60).
  std::vector<double> x(84, 0.0);
  x.insert(x.end(), 84, -1.0);
  const std::vector<double> three = drawn(3);
  x.insert(x.end(), three.begin(), three.end());
  std::vector<double> y(3 * kClasses);
  rbf_layer()->forward(nullptr, x.data(), y.data(), 3, nullptr);
  for (int i = 0; i < kClasses; ++i) EXPECT_EQ(y[i], 84.0) << "class " << i;
  EXPECT_EQ(y[kClasses + 1], 64.0);
  EXPECT_EQ(y[kClasses + 3], 72.0);
  EXPECT_EQ(y[kClasses + 7], 56.0);
  EXPECT_EQ(y[2 * kClasses + 3], 0.0);
  EXPECT_EQ(y[2 * kClasses + 7], 72.0);
  EXPECT_EQ(y[2 * kClasses + 8], 60.0);
}

TEST(RbfOutput, BackwardUnderMseIsTwiceTheDistanceToTheRightCode) {
  // MSE for class 3: dE/dy = (0, 0, 0, 1, 0, …), so dE/dx_j = 2(x_j − w_3j). At x = 0.5 everywhere that is
  // 2(0.5 − 1) = −1 on 3's ink and 2(0.5 + 1) = 3 on its background. With dE/dy split as ½ on class 3 and
  // ½ on class 7, it is (x_j − w_3j) + (x_j − w_7j): 1 − w_3j − w_7j, i.e. −1 where both have ink, 3 where
  // neither has, 1 where they differ.
  const auto layer = rbf_layer();
  const std::vector<double> x(84, 0.5);
  std::vector<double> y(kClasses), grad_in(84);
  layer->forward(nullptr, x.data(), y.data(), 1, nullptr);
  const std::vector<double> three = drawn(3), seven = drawn(7);
  std::vector<double> grad_out(kClasses, 0.0);
  grad_out[3] = 1.0;
  layer->backward(nullptr, x.data(), y.data(), grad_out.data(), grad_in.data(), nullptr, 1, nullptr);
  for (int j = 0; j < 84; ++j) EXPECT_EQ(grad_in[j], three[j] > 0 ? -1.0 : 3.0) << "input " << j;
  grad_out[3] = grad_out[7] = 0.5;
  layer->backward(nullptr, x.data(), y.data(), grad_out.data(), grad_in.data(), nullptr, 1, nullptr);
  for (int j = 0; j < 84; ++j) {
    const int ink = (three[j] > 0) + (seven[j] > 0);
    EXPECT_EQ(grad_in[j], ink == 2 ? -1.0 : ink == 0 ? 3.0 : 1.0) << "input " << j;
  }
}

}  // namespace
}  // namespace lenet5::nn
