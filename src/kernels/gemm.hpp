#pragma once
// Small dense matrix products, row-major with packed rows, accumulating into C. Written so the compiler
// vectorises the contiguous inner loop (`omp simd` with -fopenmp-simd allows the dot-product reductions
// without -ffast-math). Templated on the scalar so tests can run the same code in double precision.
#include <cstddef>

namespace lenet5::kernels {

// C(M×N) += A(M×K) · B(K×N)
template <class T>
void gemm_nn(std::size_t M, std::size_t N, std::size_t K, const T* __restrict A, const T* __restrict B,
             T* __restrict C) {
  for (std::size_t i = 0; i < M; ++i) {
    T* __restrict c = C + i * N;
    for (std::size_t k = 0; k < K; ++k) {
      const T a = A[i * K + k];
      const T* __restrict b = B + k * N;
#pragma omp simd
      for (std::size_t j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

// C(M×N) += A(M×K) · B(N×K)ᵀ
template <class T>
void gemm_nt(std::size_t M, std::size_t N, std::size_t K, const T* __restrict A, const T* __restrict B,
             T* __restrict C) {
  for (std::size_t i = 0; i < M; ++i) {
    const T* __restrict a = A + i * K;
    for (std::size_t j = 0; j < N; ++j) {
      const T* __restrict b = B + j * K;
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (std::size_t k = 0; k < K; ++k) sum += a[k] * b[k];
      C[i * N + j] += sum;
    }
  }
}

// C(M×N) += A(K×M)ᵀ · B(K×N)
template <class T>
void gemm_tn(std::size_t M, std::size_t N, std::size_t K, const T* __restrict A, const T* __restrict B,
             T* __restrict C) {
  for (std::size_t k = 0; k < K; ++k) {
    const T* __restrict b = B + k * N;
    for (std::size_t i = 0; i < M; ++i) {
      const T a = A[k * M + i];
      T* __restrict c = C + i * N;
#pragma omp simd
      for (std::size_t j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

}  // namespace lenet5::kernels
