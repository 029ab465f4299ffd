#pragma once
// The single-precision matrix products, written once with GCC vector extensions and compiled once per
// instruction set (sgemm_generic.cpp, sgemm_avx2.cpp, sgemm_avx512.cpp), each inside its own namespace
// LENET5_ISA_NAMESPACE; the compiler turns the vector type into SSE, AVX2 or AVX-512 code.
//
// LeNet-5's matrices are small and thin (C1: 6 × 25 weights against 784 positions), so packing operands the
// way large GEMMs do would cost as much as the arithmetic. Two kernels read the operands where they lie:
//  - broadcast: C = A·B with B's rows contiguous. An MR×NR tile of C stays in registers; each step of k
//    loads NR/lanes vectors of a B row and broadcasts MR scalars of A (any strides, so Aᵀ is free).
//  - dot: C = A·Bᵀ with A's and B's rows both contiguous along k. Each of a 4×4 tile's accumulators is a
//    vector of partial dot products, summed across lanes once at the end.
#include <algorithm>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/matmul.hpp"

namespace lenet5::kernels::LENET5_ISA_NAMESPACE {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kTileRows = 6, kTileVectors = 4;  // 24 accumulators of the 32 registers
#elif defined(__AVX2__)
constexpr int kLanes = 8;
constexpr int kTileRows = 4, kTileVectors = 3;  // 12 of 16
#else
constexpr int kLanes = 4;
constexpr int kTileRows = 4, kTileVectors = 3;
#endif
constexpr int kTileColumns = kTileVectors * kLanes;
using Vector = float __attribute__((vector_size(kLanes * sizeof(float))));

inline Vector load(const float* p) {
  Vector v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Vector v) { std::memcpy(p, &v, sizeof v); }
// x in every lane. (Vector{} + x would make the compiler add 0.0 first: it is not the identity on −0.)
inline Vector splat(float x) { return x - Vector{}; }
// Small helpers of this namespace's own instead of std::min, std::fill or Operand::at: an inline function
// from outside the namespace, compiled here with this file's instruction set, would be one definition among
// the three builds' and the linker could hand the AVX-512 one to the portable path.
inline std::size_t smaller(std::size_t a, std::size_t b) { return a < b ? a : b; }
inline void zero(float* first, float* last) {
  for (; first != last; ++first) *first = 0.0f;
}
#if defined(__AVX2__) && !defined(__AVX512F__)
// AVX2's mask for the first `count` lanes: the sign bit set in each.
inline __m256i first_lanes(std::size_t count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif
// The first `count` (≤ lanes) floats at p, the other lanes zero; nothing past them is read.
inline Vector load_partial(const float* p, std::size_t count) {
  Vector v;
#if defined(__AVX512F__)
  const __m512 lanes = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
  std::memcpy(&v, &lanes, sizeof v);
#elif defined(__AVX2__)
  const __m256 lanes = _mm256_maskload_ps(p, first_lanes(count));
  std::memcpy(&v, &lanes, sizeof v);
#else
  alignas(64) float lanes[kLanes] = {};
  std::memcpy(lanes, p, count * sizeof(float));
  v = load(lanes);
#endif
  return v;
}
// Lanes [begin, end) (0 ≤ begin ≤ end ≤ lanes) loaded from p[begin..end), the others zero; nothing else at p
// is read, so p itself may lie before the data.
inline Vector load_range(const float* p, int begin, int end) {
  Vector v;
#if defined(__AVX512F__)
  const unsigned mask = ((1u << end) - 1) & ~((1u << begin) - 1);
  const __m512 lanes = _mm512_maskz_loadu_ps(static_cast<__mmask16>(mask), p);
  std::memcpy(&v, &lanes, sizeof v);
#elif defined(__AVX2__)
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(begin), index),
                                           _mm256_cmpgt_epi32(_mm256_set1_epi32(end), index));
  const __m256 lanes = _mm256_maskload_ps(p, mask);
  std::memcpy(&v, &lanes, sizeof v);
#else
  // Most ranges are whole vectors (conv_fold's): one load. Else lane by lane through memory, as setting
  // lanes of a vector by a variable index compiles to a spill and reload per lane (WebAssembly SIMD).
  if (begin == 0 && end == kLanes) return load(p);
  alignas(64) float lanes[kLanes] = {};
  for (int i = begin; i < end; ++i) lanes[i] = p[i];
  v = load(lanes);
#endif
  return v;
}
// Stores the first `count` (≤ lanes) lanes of v at p; nothing past them is written.
inline void store_partial(float* p, Vector v, std::size_t count) {
#if defined(__AVX512F__)
  __m512 lanes;
  std::memcpy(&lanes, &v, sizeof v);
  _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1), lanes);
#elif defined(__AVX2__)
  __m256 lanes;
  std::memcpy(&lanes, &v, sizeof v);
  _mm256_maskstore_ps(p, first_lanes(count), lanes);
#else
  std::memcpy(p, &v, count * sizeof(float));
#endif
}
// Sum of the lanes by butterfly shuffles: log2(lanes) vector adds instead of lanes scalar ones.
inline float lane_sum(Vector v) {
#if defined(__AVX512F__)
  v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
#elif defined(__AVX2__)
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
#else
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2);
#endif
  return v[0];
}

// ---- broadcast kernel -----------------------------------------------------------------------------------

struct Strided {
  const float* data;
  std::size_t row_stride, col_stride;
  float at(std::size_t row, std::size_t col) const { return data[row * row_stride + col * col_stride]; }
};

// C(MR × NV·lanes) [+]= A(MR × K) · B(K × NV·lanes), B rows `ldb` apart; the tile is full.
template <int MR, int NV = kTileVectors>
void broadcast_tile(std::size_t K, Strided A, const float* __restrict B, std::size_t ldb, float* __restrict C,
                    std::size_t ldc, bool accumulate) {
  Vector acc[MR][NV] = {};
  for (std::size_t k = 0; k < K; ++k) {
    Vector b[NV];
    for (int v = 0; v < NV; ++v) b[v] = load(B + k * ldb + v * kLanes);
    for (int r = 0; r < MR; ++r) {
      const Vector a = splat(A.data[r * A.row_stride + k * A.col_stride]);
      for (int v = 0; v < NV; ++v) acc[r][v] += a * b[v];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      float* target = C + r * ldc + v * kLanes;
      store(target, accumulate ? load(target) + acc[r][v] : acc[r][v]);
    }
}

// The last columns when they are whole vectors but fewer than a tile: a narrower tile, no copying.
template <int MR, int NV = kTileVectors - 1>
bool broadcast_narrow(std::size_t vectors, std::size_t K, Strided A, const float* B, std::size_t ldb, float* C,
                      std::size_t ldc, bool accumulate) {
  if constexpr (NV > 0) {
    if (vectors == NV) {
      broadcast_tile<MR, NV>(K, A, B, ldb, C, ldc, accumulate);
      return true;
    }
    return broadcast_narrow<MR, NV - 1>(vectors, K, A, B, ldb, C, ldc, accumulate);
  }
  return false;
}

template <int MR>
void broadcast_rows(std::size_t N, std::size_t K, Strided A, const float* B, std::size_t ldb, float* C,
                    std::size_t ldc, bool accumulate, float* scratch) {
  const std::size_t full = N / kTileColumns * kTileColumns;
  for (std::size_t j = 0; j < full; j += kTileColumns) broadcast_tile<MR>(K, A, B + j, ldb, C + j, ldc, accumulate);
  if (full == N) return;
  const std::size_t cols = N - full;
  if (cols % kLanes == 0 && broadcast_narrow<MR>(cols / kLanes, K, A, B + full, ldb, C + full, ldc, accumulate))
    return;
  // A ragged right edge: copy that strip of B, zero-padded, and compute a full tile into a buffer.
  float* strip = scratch;
  for (std::size_t k = 0; k < K; ++k) {
    std::memcpy(strip + k * kTileColumns, B + k * ldb + full, cols * sizeof(float));
    zero(strip + k * kTileColumns + cols, strip + (k + 1) * kTileColumns);
  }
  float* tile = strip + K * kTileColumns;
  broadcast_tile<MR>(K, A, strip, kTileColumns, tile, kTileColumns, false);
  for (int r = 0; r < MR; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      C[r * ldc + full + c] = accumulate ? C[r * ldc + full + c] + tile[r * kTileColumns + c] : tile[r * kTileColumns + c];
}

template <int MR>
void broadcast_remainder(std::size_t rows, std::size_t N, std::size_t K, Strided A, const float* B, std::size_t ldb,
                         float* C, std::size_t ldc, bool accumulate, float* scratch) {
  if constexpr (MR > 0) {
    if (rows == MR) return broadcast_rows<MR>(N, K, A, B, ldb, C, ldc, accumulate, scratch);
    broadcast_remainder<MR - 1>(rows, N, K, A, B, ldb, C, ldc, accumulate, scratch);
  }
}

inline void broadcast(std::size_t M, std::size_t N, std::size_t K, Strided A, const float* B, std::size_t ldb,
                      float* C, std::size_t ldc, bool accumulate, float* scratch) {
  for (std::size_t i = 0; i < M; i += kTileRows) {
    const Strided rows{A.data + i * A.row_stride, A.row_stride, A.col_stride};
    broadcast_remainder<kTileRows>(smaller(kTileRows, M - i), N, K, rows, B, ldb, C + i * ldc, ldc,
                                   accumulate, scratch);
  }
}

// ---- dot kernel -----------------------------------------------------------------------------------------

// C(MR × NR) [+]= A(MR × K) · B(NR × K)ᵀ, rows of A `lda` apart and of B `ldb` apart.
template <int MR, int NR>
void dot_tile(std::size_t K, const float* __restrict A, std::size_t lda, const float* __restrict B, std::size_t ldb,
              float* __restrict C, std::size_t ldc, bool accumulate) {
  Vector acc[MR][NR] = {};
  const std::size_t full = K / kLanes * kLanes;
  const auto step = [&](auto load_at, std::size_t k) {
    Vector a[MR], b[NR];
    for (int r = 0; r < MR; ++r) a[r] = load_at(A + r * lda + k);
    for (int c = 0; c < NR; ++c) b[c] = load_at(B + c * ldb + k);
    for (int r = 0; r < MR; ++r)
      for (int c = 0; c < NR; ++c) acc[r][c] += a[r] * b[c];
  };
  for (std::size_t k = 0; k < full; k += kLanes) step([](const float* p) { return load(p); }, k);
  if (full < K) step([&](const float* p) { return load_partial(p, K - full); }, full);
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) {
      float& target = C[r * ldc + c];
      target = (accumulate ? target : 0.0f) + lane_sum(acc[r][c]);
    }
}

// A column strip of C: NR rows of B, read from L2 once and reused from L1 against every row of A (A is the
// smaller operand in every layer's use: the output gradients against the unfolded inputs).
template <int NR>
void dot_columns(std::size_t M, std::size_t K, const float* A, std::size_t lda, const float* B, std::size_t ldb,
                 float* C, std::size_t ldc, bool accumulate) {
  std::size_t i = 0;
  for (; i + 4 <= M; i += 4) dot_tile<4, NR>(K, A + i * lda, lda, B, ldb, C + i * ldc, ldc, accumulate);
  for (; i < M; ++i) dot_tile<1, NR>(K, A + i * lda, lda, B, ldb, C + i * ldc, ldc, accumulate);
}

inline void dot(std::size_t M, std::size_t N, std::size_t K, const float* A, std::size_t lda, const float* B,
                std::size_t ldb, float* C, std::size_t ldc, bool accumulate) {
  std::size_t j = 0;
  for (; j + 4 <= N; j += 4) dot_columns<4>(M, K, A, lda, B + j * ldb, ldb, C + j, ldc, accumulate);
  for (; j < N; ++j) dot_columns<1>(M, K, A, lda, B + j * ldb, ldb, C + j, ldc, accumulate);
}

// ---- entry points ---------------------------------------------------------------------------------------

inline std::size_t scratch_size(std::size_t, std::size_t, std::size_t K) {
  return (K + kTileRows) * kTileColumns;  // the edge strip and its tile
}

inline void sgemm(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C,
                  std::size_t ldc, bool accumulate, float* scratch) {
  if (!B.transposed) {
    const Strided a = A.transposed ? Strided{A.data, 1, A.stride} : Strided{A.data, A.stride, 1};
    broadcast(M, N, K, a, B.data, B.stride, C, ldc, accumulate, scratch);
  } else if (!A.transposed) {
    dot(M, N, K, A.data, A.stride, B.data, B.stride, C, ldc, accumulate);
  } else {
    // Aᵀ·Bᵀ is not needed by any layer; computed plainly for completeness.
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        float sum = accumulate ? C[i * ldc + j] : 0.0f;
        for (std::size_t k = 0; k < K; ++k) sum += A.data[k * A.stride + i] * B.data[j * B.stride + k];
        C[i * ldc + j] = sum;
      }
  }
}

}  // namespace lenet5::kernels::LENET5_ISA_NAMESPACE
