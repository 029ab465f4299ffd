// Every instruction-set build of the float matrix kernel against a double-precision reference, over shapes
// that hit full tiles, narrow tiles, ragged edges and the transposed operand forms the layers use. The
// generic build is the portable path a CPU without AVX2 runs.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.hpp"
#include "kernels/sgemm_variants.hpp"

namespace lenet5::kernels {
namespace {

using SgemmFunction = decltype(&sgemm_generic);
using ScratchFunction = decltype(&sgemm_scratch_size_generic);

struct Build {
  const char* isa;
  SgemmFunction multiply;
  ScratchFunction scratch_size;
};

const Build kBuilds[] = {{"generic", sgemm_generic, sgemm_scratch_size_generic},
                         {"avx2", sgemm_avx2, sgemm_scratch_size_avx2},
                         {"avx512", sgemm_avx512, sgemm_scratch_size_avx512}};

void check(const Build& build, std::size_t M, std::size_t N, std::size_t K, bool transpose_a, bool transpose_b,
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
  std::vector<float> result = c, scratch(build.scratch_size(M, N, K) + 1);
  build.multiply(M, N, K, A, B, result.data(), ldc, accumulate, scratch.data());
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

TEST(Sgemm, EveryBuildMatchesTheReference) {
  const std::size_t sizes[] = {1, 2, 5, 6, 7, 12, 16, 25, 33, 64, 100, 150};
  for (const Build& build : kBuilds) {
    if (!cpu_supports(build.isa)) {
      std::printf("[ SKIPPED  ] %s: this CPU does not support it\n", build.isa);
      continue;
    }
    Rng rng(11);
    for (std::size_t M : sizes)
      for (std::size_t N : sizes)
        for (std::size_t K : {std::size_t{1}, std::size_t{17}, std::size_t{150}})
          for (auto [transpose_a, transpose_b] : {std::pair{false, false}, {true, false}, {false, true}, {true, true}})
            check(build, M, N, K, transpose_a, transpose_b, (M + N) % 2 == 0, rng);
  }
}

}  // namespace
}  // namespace lenet5::kernels
