// The fixed ±1 parameters of the RBF output layer: shape, values, that the ASCII art is what the layer gets,
// and that the ten digit codes stay well apart (the separation the paper's §II-B relies on).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "nn/rbf_prototypes.hpp"

namespace lenet5::nn {
namespace {

// Pixels in which digits a and b differ.
int hamming_distance(const std::vector<float>& prototypes, int a, int b) {
  int distance = 0;
  for (int j = 0; j < kPrototypeSize; ++j)
    distance += prototypes[std::size_t(a) * kPrototypeSize + j] != prototypes[std::size_t(b) * kPrototypeSize + j];
  return distance;
}

TEST(RbfPrototypes, AreTenCodesOf84PlusOrMinusOnes) {
  const std::vector<float> prototypes = rbf_prototypes();
  ASSERT_EQ(prototypes.size(), std::size_t(10 * 84));
  for (float w : prototypes) EXPECT_TRUE(w == 1.0f || w == -1.0f) << w;
}

TEST(RbfPrototypes, BitmapsAre12RowsOf7Pixels) {
  for (const DigitBitmap& bitmap : digit_bitmaps()) {
    ASSERT_EQ(bitmap.size(), std::size_t(12));
    for (std::string_view row : bitmap) {
      EXPECT_EQ(row.size(), std::size_t(7)) << row;
      EXPECT_EQ(row.find_first_not_of("#."), std::string_view::npos) << row;
    }
  }
}

TEST(RbfPrototypes, ReadTheAsciiArtRowByRow) {
  const std::vector<float> prototypes = rbf_prototypes();
  for (int digit = 0; digit < kPrototypeClasses; ++digit)
    for (int row = 0; row < kPrototypeRows; ++row)
      for (int column = 0; column < kPrototypeColumns; ++column) {
        const float expected = digit_bitmaps()[digit][row][column] == '#' ? 1.0f : -1.0f;
        EXPECT_EQ(prototypes[std::size_t(digit) * 84 + row * 7 + column], expected)
            << "digit " << digit << " row " << row << " column " << column;
      }
  // Spot checks against the drawing: 1's base is a bar, and every digit keeps its one-pixel margin.
  EXPECT_EQ(prototypes[1 * 84 + 10 * 7 + 1], 1.0f);
  for (int digit = 0; digit < kPrototypeClasses; ++digit) {
    EXPECT_EQ(prototypes[std::size_t(digit) * 84 + 0], -1.0f);
    EXPECT_EQ(prototypes[std::size_t(digit) * 84 + 83], -1.0f);
  }
}

TEST(RbfPrototypes, DigitsAreAtLeast15PixelsApart) {
  const std::vector<float> prototypes = rbf_prototypes();
  int closest = kPrototypeSize;
  for (int a = 0; a < kPrototypeClasses; ++a)
    for (int b = a + 1; b < kPrototypeClasses; ++b) closest = std::min(closest, hamming_distance(prototypes, a, b));
  // 15 is what the drawing achieves (2–7, 2–9 and 3–8); a redrawn digit must not bring two codes closer.
  EXPECT_EQ(closest, 15);
  EXPECT_EQ(hamming_distance(prototypes, 2, 7), 15);
  EXPECT_EQ(hamming_distance(prototypes, 3, 8), 15);
}

}  // namespace
}  // namespace lenet5::nn
