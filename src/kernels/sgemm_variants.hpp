#pragma once
// The per-instruction-set builds of sgemm (sgemm_<isa>.cpp). Only sgemm.cpp, which dispatches between them,
// and the tests, which check each against a reference, call them directly.
#include <cstddef>

#include "kernels/matmul.hpp"

namespace lenet5::kernels {

#define LENET5_DECLARE_SGEMM(isa)                                                                              \
  void sgemm_##isa(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C, \
                   std::size_t ldc, bool accumulate, float* scratch);                                          \
  std::size_t sgemm_scratch_size_##isa(std::size_t M, std::size_t N, std::size_t K);
LENET5_DECLARE_SGEMM(generic)
LENET5_DECLARE_SGEMM(avx2)
LENET5_DECLARE_SGEMM(avx512)
#undef LENET5_DECLARE_SGEMM

// Whether this CPU can run the build for `isa` ("generic", "avx2", "avx512").
bool cpu_supports(const char* isa);

}  // namespace lenet5::kernels
