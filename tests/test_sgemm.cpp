// Every instruction-set build of the float kernels against double-precision references: the matrix kernel
// over shapes that hit full tiles, narrow tiles, ragged edges and the transposed operand forms the layers
// use; the lane convolutions over output widths that need whole, partial and overlapping strips. The
// generic build is the portable path a CPU without AVX2 runs.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "kernels/sgemm_variants.hpp"

namespace lenet5::kernels {
namespace {

// One test per kernel and instruction-set build. A build this CPU cannot run is skipped, and ctest records
// it as skipped with the reason (valgrind's emulated CPU has no AVX-512; CI's native stage runs every build).
// Pointers: the builds' data may be read on any CPU; only the builds cpu_supports() accepts are called.
class KernelBuild : public testing::TestWithParam<const KernelSet*> {
 protected:
  void SetUp() override {
    if (!cpu_supports(GetParam()->isa)) GTEST_SKIP() << "this CPU does not support " << GetParam()->isa;
  }
  const KernelSet& kernels() const { return *GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Isa, KernelBuild, testing::Values(&kernels_generic, &kernels_avx2, &kernels_avx512),
                         [](const testing::TestParamInfo<const KernelSet*>& each) { return std::string(each.param->isa); });

void check(const KernelSet& build, std::size_t M, std::size_t N, std::size_t K, bool transpose_a, bool transpose_b,
           bool accumulate, Rng& rng) {
  // Stored shapes, with a little extra stride so that kernels cannot assume packed rows.
  const std::size_t a_rows = transpose_a ? K : M, a_cols = transpose_a ? M : K, a_stride = a_cols + 3;
  const std::size_t b_rows = transpose_b ? N : K, b_cols = transpose_b ? K : N, b_stride = b_cols + 5;
  const std::size_t ldc = N + 2;
  std::vector<float> a(a_rows * a_stride), b(b_rows * b_stride), c(M * ldc);
  for (float& x : a) x = rng.uniform(-1, 1);
  for (float& x : b) x = rng.uniform(-1, 1);
  for (float& x : c) x = rng.uniform(-1, 1);
  const Operand<float> A{a.data(), a_stride, transpose_a}, B{b.data(), b_stride, transpose_b};
  std::vector<float> result = c, scratch(build.sgemm_scratch_size(M, N, K) + 1);
  build.sgemm(M, N, K, A, B, result.data(), ldc, accumulate, scratch.data());
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < ldc; ++j) {
      if (j >= N) {
        ASSERT_EQ(result[i * ldc + j], c[i * ldc + j]) << "wrote outside C at " << i << "," << j;
        continue;
      }
      double expected = accumulate ? c[i * ldc + j] : 0.0;
      for (std::size_t k = 0; k < K; ++k) expected += double(A.at(i, k)) * double(B.at(k, j));
      ASSERT_NEAR(result[i * ldc + j], expected, 1e-5 * (1.0 + double(K)))
          << build.isa << " M=" << M << " N=" << N << " K=" << K << " Aᵀ=" << transpose_a << " Bᵀ=" << transpose_b
          << " accumulate=" << accumulate << " at " << i << "," << j;
    }
}

TEST_P(KernelBuild, SgemmMatchesTheReference) {
  const std::size_t sizes[] = {1, 2, 5, 6, 7, 12, 16, 25, 33, 64, 100, 150};
  Rng rng(11);
  for (std::size_t M : sizes)
    for (std::size_t N : sizes)
      for (std::size_t K : {std::size_t{1}, std::size_t{17}, std::size_t{150}})
        for (auto [transpose_a, transpose_b] : {std::pair{false, false}, {true, false}, {false, true}, {true, true}})
          check(kernels(), M, N, K, transpose_a, transpose_b, (M + N) % 2 == 0, rng);
}

std::vector<float> random_floats(std::size_t count, Rng& rng) {
  std::vector<float> values(count);
  for (float& v : values) v = rng.uniform(-1, 1);
  return values;
}

// Sum over (c, ky, kx) of in[c][y + ky][x + kx] · weights[(c, ky, kx)][o], in double.
double reference_conv(const ConvShape& shape, const std::vector<float>& in, const std::vector<float>& weights,
                      int o, int y, int x) {
  double sum = 0;
  for (int c = 0; c < shape.channels; ++c)
    for (int ky = 0; ky < 5; ++ky)
      for (int kx = 0; kx < 5; ++kx)
        sum += double(in[(c * shape.height + y + ky) * shape.width + x + kx]) *
               double(weights[((c * 5 + ky) * 5 + kx) * shape.out_channels + o]);
  return sum;
}

TEST_P(KernelBuild, ConvLanesMatchesTheReference) {
  Rng rng(12);
  const KernelSet& build = kernels();
  int shapes_checked = 0;  // the shapes this build's kernel takes: at least one
  EXPECT_TRUE(build.conv_lanes_fits(16, 5)) << build.isa;
  EXPECT_FALSE(build.conv_lanes_fits(16, 3)) << build.isa;
  EXPECT_FALSE(build.conv_lanes_fits(6, 5)) << build.isa;
  // Output widths 1 (a one-output strip), 10 (C3), 13 and 30 (strips that overlap at the row's end).
  for (const ConvShape shape : {ConvShape{1, 5, 5, 16}, ConvShape{6, 14, 14, 16},
                                     ConvShape{3, 9, 17, 16}, ConvShape{2, 7, 34, 32}}) {
    if (!build.conv_lanes_fits(shape.out_channels, 5)) continue;
    ++shapes_checked;
    const int out_height = shape.height - 4, out_width = shape.width - 4, positions = out_height * out_width;
    const std::size_t rows = std::size_t(shape.channels) * 25;
    const std::vector<float> in = random_floats(std::size_t(shape.channels) * shape.height * shape.width, rng),
                             weights = random_floats(rows * shape.out_channels, rng),
                             grad = random_floats(std::size_t(positions) * shape.out_channels, rng);
    std::vector<float> out(grad.size()), grad_weights = random_floats(weights.size(), rng);
    const std::vector<float> grad_weights_before = grad_weights;
    build.conv_lanes_forward(shape, in.data(), weights.data(), out.data());
    build.conv_lanes_weight_grad(shape, in.data(), grad.data(), grad_weights.data());
    for (int y = 0; y < out_height; ++y)
      for (int x = 0; x < out_width; ++x)
        for (int o = 0; o < shape.out_channels; ++o)
          ASSERT_NEAR(out[(y * out_width + x) * shape.out_channels + o], reference_conv(shape, in, weights, o, y, x), 1e-4)
              << build.isa << " output " << o << " at " << y << "," << x;
    for (std::size_t r = 0; r < rows; ++r) {
      const int c = int(r / 25), ky = int(r % 25 / 5), kx = int(r % 5);
      for (int o = 0; o < shape.out_channels; ++o) {
        double expected = grad_weights_before[r * shape.out_channels + o];
        for (int p = 0; p < positions; ++p)
          expected += double(in[(c * shape.height + p / out_width + ky) * shape.width + p % out_width + kx]) *
                      double(grad[std::size_t(p) * shape.out_channels + o]);
        ASSERT_NEAR(grad_weights[r * shape.out_channels + o], expected, 1e-4 * (1 + positions))
            << build.isa << " weight " << r << "," << o;
      }
    }
  }
  EXPECT_GT(shapes_checked, 0) << build.isa << ": no test shape fits this build's kernel";
}

TEST_P(KernelBuild, ConvRowsMatchesTheReference) {
  Rng rng(13);
  const KernelSet& build = kernels();
  int shapes_checked = 0;  // the shapes this build's kernel takes: at least one
  EXPECT_FALSE(build.conv_rows_fits(ConvShape{1, 32, 32, 6}, 3)) << build.isa;
  // C1 (28-wide rows: a partial last vector on the AVX2 and AVX-512 builds, too wide for the generic build's
  // four vectors of 4), one-vector rows, several input channels,
  // map counts that need blocks of 6, 4, 3, 2 or 1.
  for (const ConvShape shape : {ConvShape{1, 32, 32, 6}, ConvShape{1, 9, 9, 4}, ConvShape{2, 12, 20, 3},
                                ConvShape{3, 8, 21, 5}, ConvShape{1, 6, 6, 2}}) {
    if (!build.conv_rows_fits(shape, 5)) continue;
    ++shapes_checked;
    const int out_height = shape.height - 4, out_width = shape.width - 4, positions = out_height * out_width;
    const std::size_t rows = std::size_t(shape.channels) * 25, sample = std::size_t(shape.channels) * shape.height * shape.width;
    const int samples = 3;
    const std::vector<float> in = random_floats(sample * samples, rng), weights = random_floats(rows * shape.out_channels, rng),
                             grad = random_floats(std::size_t(positions) * shape.out_channels * samples, rng);
    std::vector<float> grad_weights = random_floats(weights.size(), rng);
    const std::vector<float> grad_weights_before = grad_weights;
    // One guard value after the output: the partial last vector must not write past the maps.
    std::vector<float> out(std::size_t(positions) * shape.out_channels + 1, 7.0f);
    build.conv_rows_forward(shape, in.data(), weights.data(), out.data());
    build.conv_rows_weight_grad(shape, in.data(), grad.data(), samples, grad_weights.data());
    ASSERT_EQ(out.back(), 7.0f) << build.isa << " wrote past the output";
    const auto input = [&](int n, std::size_t r, int p) {
      const int c = int(r / 25), ky = int(r % 25 / 5), kx = int(r % 5);
      return double(in[n * sample + (c * shape.height + p / out_width + ky) * shape.width + p % out_width + kx]);
    };
    for (int o = 0; o < shape.out_channels; ++o)
      for (int p = 0; p < positions; ++p) {
        double expected = 0;
        for (std::size_t r = 0; r < rows; ++r) expected += double(weights[o * rows + r]) * input(0, r, p);
        ASSERT_NEAR(out[std::size_t(o) * positions + p], expected, 1e-4) << build.isa << " output " << o << " at " << p;
      }
    for (int o = 0; o < shape.out_channels; ++o)
      for (std::size_t r = 0; r < rows; ++r) {
        double expected = grad_weights_before[o * rows + r];
        for (int n = 0; n < samples; ++n)
          for (int p = 0; p < positions; ++p)
            expected += input(n, r, p) * double(grad[(std::size_t(n) * shape.out_channels + o) * positions + p]);
        ASSERT_NEAR(grad_weights[o * rows + r], expected, 1e-4 * (1 + samples * positions))
            << build.isa << " weight " << o << "," << r;
      }
  }
  EXPECT_GT(shapes_checked, 0) << build.isa << ": no test shape fits this build's kernel";
}

// The fold adds every unfolded entry back onto its input: checked against the plain loop, with the columns
// of one sample inside a wider buffer as the layers lay them out.
TEST_P(KernelBuild, ConvFoldMatchesTheReference) {
  Rng rng(14);
  const KernelSet& build = kernels();
  int shapes_checked = 0;  // the shapes this build's kernel takes: at least one
  for (const ConvShape shape : {ConvShape{6, 14, 14, 16}, ConvShape{1, 5, 5, 1}, ConvShape{2, 9, 17, 1},
                                ConvShape{1, 32, 32, 6}, ConvShape{3, 12, 40, 1}}) {
    if (!build.conv_fold_fits(shape, 5)) continue;
    ++shapes_checked;
    const int out_height = shape.height - 4, out_width = shape.width - 4, positions = out_height * out_width;
    const std::size_t rows = std::size_t(shape.channels) * 25, stride = std::size_t(positions) + 7;
    std::vector<float> columns(rows * stride);
    for (float& v : columns) v = rng.uniform(-1, 1);
    std::vector<double> expected(std::size_t(shape.channels) * shape.height * shape.width, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      const int c = int(r / 25), ky = int(r % 25 / 5), kx = int(r % 5);
      for (int p = 0; p < positions; ++p)
        expected[(c * shape.height + p / out_width + ky) * shape.width + p % out_width + kx] += columns[r * stride + p];
    }
    std::vector<float> grad_in(expected.size() + 1, 7.0f);
    build.conv_fold(shape, columns.data(), stride, grad_in.data());
    ASSERT_EQ(grad_in.back(), 7.0f) << build.isa << " wrote past the input";
    for (std::size_t i = 0; i < expected.size(); ++i)
      ASSERT_NEAR(grad_in[i], expected[i], 1e-5) << build.isa << " input " << i;
  }
  EXPECT_GT(shapes_checked, 0) << build.isa << ": no test shape fits this build's kernel";
}

}  // namespace
}  // namespace lenet5::kernels
