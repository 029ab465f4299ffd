// sgemm compiled for the avx2 instruction set (flags set in CMakeLists.txt); see sgemm_impl.hpp.
#define LENET5_ISA_NAMESPACE avx2
#include "kernels/sgemm_impl.hpp"

namespace lenet5::kernels {

void sgemm_avx2(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C,
                 std::size_t ldc, bool accumulate, float* scratch) {
  avx2::sgemm(M, N, K, A, B, C, ldc, accumulate, scratch);
}

std::size_t sgemm_scratch_size_avx2(std::size_t M, std::size_t N, std::size_t K) {
  return avx2::scratch_size(M, N, K);
}

}  // namespace lenet5::kernels
