#pragma once
// The per-instruction-set builds of the kernels (sgemm_<isa>.cpp, each compiled with its own -m flags from
// isa_build.hpp). Only sgemm.cpp, which dispatches between them, and the tests, which check each against a
// reference, use them directly.
#include <cstddef>

#include "kernels/conv.hpp"
#include "kernels/matmul.hpp"

namespace lenet5::kernels {

struct KernelSet {
  const char* isa;
  void (*sgemm)(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C,
                std::size_t ldc, bool accumulate, float* scratch);
  std::size_t (*sgemm_scratch_size)(std::size_t M, std::size_t N, std::size_t K);
  bool (*conv_lanes_fits)(int out_channels, int kernel);
  void (*conv_lanes_forward)(const ConvShape& shape, const float* in, const float* weights, float* out);
  void (*conv_lanes_weight_grad)(const ConvShape& shape, const float* in, const float* grad,
                                 float* grad_weights);
  bool (*conv_rows_fits)(const ConvShape& shape, int kernel);
  void (*conv_rows_forward)(const ConvShape& shape, const float* in, const float* weights, float* out);
  void (*conv_rows_weight_grad)(const ConvShape& shape, const float* in, const float* grad, int samples,
                                float* grad_weights);
  bool (*conv_fold_fits)(const ConvShape& shape, int kernel);
  void (*conv_fold)(const ConvShape& shape, const float* columns, std::size_t stride, float* grad_in);
};

// Each is plain data: reading it runs no code of its build, so it is safe before the CPU check.
extern const KernelSet kernels_generic;
extern const KernelSet kernels_avx2;
extern const KernelSet kernels_avx512;

// Whether this CPU can run the build for `isa` ("generic", "avx2", "avx512").
bool cpu_supports(const char* isa);

}  // namespace lenet5::kernels
