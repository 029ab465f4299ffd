#pragma once
// C(M×N) = [C +] op(A)(M×K) · op(B)(K×N) for small row-major matrices, where op(X) is X or Xᵀ as stored.
// Every layer's heavy lifting goes through here: convolutions unfolded to columns, fully connected layers,
// and their backward passes. float runs the packed, vectorised kernel chosen for the CPU at run time
// (sgemm); double runs a plain reference loop, used by the tests' finite-difference checks.
#include <cstddef>
#include <string>
#include <type_traits>

namespace lenet5::kernels {


template <class T>
struct Operand {
  const T* data;
  std::size_t stride;
  bool transposed = false;
  T at(std::size_t row, std::size_t col) const { return transposed ? data[col * stride + row] : data[row * stride + col]; }
};

// Scratch (in floats) that sgemm needs for packing operands of these sizes.
std::size_t sgemm_scratch_size(std::size_t M, std::size_t N, std::size_t K);

void sgemm(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C, std::size_t ldc,
           bool accumulate, float* scratch);

// Which instruction set sgemm uses: the best this CPU supports, unless LENET5_ISA (generic, avx2, avx512)
// asks for another — tests use that to run the portable path.
std::string active_isa();

template <class T>
void matmul(std::size_t M, std::size_t N, std::size_t K, Operand<T> A, Operand<T> B, T* C, std::size_t ldc,
            bool accumulate, T* scratch) {
  if constexpr (std::is_same_v<T, float>) {
    sgemm(M, N, K, A, B, C, ldc, accumulate, scratch);
  } else {
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        T sum = accumulate ? C[i * ldc + j] : T(0);
        for (std::size_t k = 0; k < K; ++k) sum += A.at(i, k) * B.at(k, j);
        C[i * ldc + j] = sum;
      }
  }
}

template <class T>
std::size_t matmul_scratch_size(std::size_t M, std::size_t N, std::size_t K) {
  if constexpr (std::is_same_v<T, float>) return sgemm_scratch_size(M, N, K);
  return 0;
}

}  // namespace lenet5::kernels
