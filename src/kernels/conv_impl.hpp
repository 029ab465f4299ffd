#pragma once
// The direct 5×5 convolutions of conv.hpp, compiled once per instruction set next to the matrix kernels
// (included after sgemm_impl.hpp, whose Vector, load and store it uses). Neither needs the unfolded (im2col)
// copy of the input.
//  - lanes: C3 has 16 output maps, exactly one AVX-512 vector. Each step broadcasts one input value and
//    multiplies it by the 16 maps' weights for that input at once; no reduction across lanes.
//  - rows: C1 has 6 maps but rows of 28 outputs (two AVX-512 vectors). Each step loads a row of inputs
//    once and multiplies it by a broadcast weight of several maps.
#include <type_traits>

#include "kernels/conv.hpp"

namespace lenet5::kernels::LENET5_ISA_NAMESPACE {

constexpr int kLaneKernel = 5;
// Accumulator registers a strip may use: most of AVX-512's 32, or of AVX2's 16.
constexpr int kLaneAccumulators = kLanes == 16 ? 24 : 12;

// out(XB positions × NV vectors) for XB consecutive outputs of one row, the first reading its 5×5 windows
// at `in`: Σ over (c, ky, kx) of in[c][ky][kx + i] · weights[(c, ky, kx)].
template <int NV, int XB>
void lanes_forward_strip(const ConvShape& shape, const float* __restrict in, const float* __restrict weights,
                         float* __restrict out) {
  Vector acc[XB][NV] = {};
  const std::size_t plane = std::size_t(shape.height) * shape.width;
  for (int c = 0; c < shape.channels; ++c)
    for (int ky = 0; ky < kLaneKernel; ++ky) {
      const float* row = in + c * plane + std::size_t(ky) * shape.width;
      for (int kx = 0; kx < kLaneKernel; ++kx, weights += NV * kLanes) {
        Vector w[NV];
        for (int v = 0; v < NV; ++v) w[v] = load(weights + v * kLanes);
        for (int i = 0; i < XB; ++i) {
          const Vector x = splat(row[kx + i]);
          for (int v = 0; v < NV; ++v) acc[i][v] += x * w[v];
        }
      }
    }
  for (int i = 0; i < XB; ++i)
    for (int v = 0; v < NV; ++v) store(out + (i * NV + v) * kLanes, acc[i][v]);
}

// Every output row in strips of XB; a row's last strip is moved left to end at the row's end, recomputing
// a few outputs rather than needing a narrower strip.
template <int NV, int XB>
void lanes_forward_rows(const ConvShape& shape, const float* in, const float* weights, float* out) {
  const int out_height = shape.height - kLaneKernel + 1, out_width = shape.width - kLaneKernel + 1;
  for (int oy = 0; oy < out_height; ++oy)
    for (int first = 0; first < out_width; first += XB) {
      const int x = first + XB <= out_width ? first : out_width - XB;
      lanes_forward_strip<NV, XB>(shape, in + std::size_t(oy) * shape.width + x, weights,
                                  out + (std::size_t(oy) * out_width + x) * NV * kLanes);
    }
}

// The widest strip that fits both the registers and the row.
template <int NV, int XB = kLaneAccumulators / NV>
void lanes_forward(const ConvShape& shape, const float* in, const float* weights, float* out) {
  if constexpr (XB > 1) {
    if (XB > shape.width - kLaneKernel + 1) return lanes_forward<NV, XB - 1>(shape, in, weights, out);
  }
  lanes_forward_rows<NV, XB>(shape, in, weights, out);
}

// grad_weights[(c, ky, kx)] += Σ over output positions p of in[c][p.y + ky][p.x + kx] · grad[p], for one
// input channel and KY kernel rows from `first_row`: KY·5·NV accumulators stay in registers for the whole
// sweep over the positions.
template <int NV, int KY>
void lanes_weight_grad_block(const ConvShape& shape, const float* __restrict in, const float* __restrict grad,
                             float* __restrict grad_weights) {
  Vector acc[KY][kLaneKernel][NV] = {};
  const int out_height = shape.height - kLaneKernel + 1, out_width = shape.width - kLaneKernel + 1;
  for (int oy = 0; oy < out_height; ++oy)
    for (int ox = 0; ox < out_width; ++ox, grad += NV * kLanes) {
      Vector g[NV];
      for (int v = 0; v < NV; ++v) g[v] = load(grad + v * kLanes);
      const float* window = in + std::size_t(oy) * shape.width + ox;
      for (int ky = 0; ky < KY; ++ky)
        for (int kx = 0; kx < kLaneKernel; ++kx) {
          const Vector x = splat(window[std::size_t(ky) * shape.width + kx]);
          for (int v = 0; v < NV; ++v) acc[ky][kx][v] += x * g[v];
        }
    }
  for (int ky = 0; ky < KY; ++ky)
    for (int kx = 0; kx < kLaneKernel; ++kx)
      for (int v = 0; v < NV; ++v) {
        float* target = grad_weights + ((ky * kLaneKernel + kx) * NV + v) * kLanes;
        store(target, load(target) + acc[ky][kx][v]);
      }
}

template <int NV>
void lanes_weight_grad(const ConvShape& shape, const float* in, const float* grad, float* grad_weights) {
  // All five kernel rows at once when their accumulators fit, else one row at a time.
  constexpr int KY = kLaneKernel * kLaneKernel * NV <= kLaneAccumulators + 1 ? kLaneKernel : 1;
  const std::size_t plane = std::size_t(shape.height) * shape.width, row_weights = kLaneKernel * NV * kLanes;
  for (int c = 0; c < shape.channels; ++c)
    for (int ky = 0; ky < kLaneKernel; ky += KY)
      lanes_weight_grad_block<NV, KY>(shape, in + c * plane + std::size_t(ky) * shape.width, grad,
                                      grad_weights + (std::size_t(c) * kLaneKernel + ky) * row_weights);
}

// Runs body(std::integral_constant<int, NV>) for out_channels = NV·lanes, NV ∈ {1, 2, 4}.
template <class Body>
void with_lane_vectors(int out_channels, Body body) {
  switch (out_channels / kLanes) {
    case 1: return body(std::integral_constant<int, 1>{});
    case 2: return body(std::integral_constant<int, 2>{});
    default: return body(std::integral_constant<int, 4>{});
  }
}

inline bool conv_lanes_fits(int out_channels, int kernel) {
  const int vectors = out_channels / kLanes;
  return kernel == kLaneKernel && out_channels % kLanes == 0 && (vectors == 1 || vectors == 2 || vectors == 4);
}

inline void conv_lanes_forward(const ConvShape& shape, const float* in, const float* weights, float* out) {
  with_lane_vectors(shape.out_channels, [&](auto nv) { lanes_forward<nv()>(shape, in, weights, out); });
}

inline void conv_lanes_weight_grad(const ConvShape& shape, const float* in, const float* grad,
                                   float* grad_weights) {
  with_lane_vectors(shape.out_channels, [&](auto nv) { lanes_weight_grad<nv()>(shape, in, grad, grad_weights); });
}

// ---- rows: output positions in the lanes ------------------------------------------------------------

// Vectors per output row, and the valid lanes of the last.
inline int row_vectors(int out_width) { return (out_width + kLanes - 1) / kLanes; }
inline std::size_t last_lanes(int out_width) { return std::size_t(out_width - (row_vectors(out_width) - 1) * kLanes); }

// OB maps' outputs for one row of XV vectors: Σ over (c, ky, kx) of weights[o][(c, ky, kx)] · in[c][ky][x + kx].
template <int OB, int XV>
void rows_forward_row(const ConvShape& shape, const float* __restrict in, const float* __restrict weights,
                      std::size_t rows, float* __restrict out, std::size_t positions) {
  const int out_width = shape.width - kLaneKernel + 1;
  const std::size_t tail = last_lanes(out_width), plane = std::size_t(shape.height) * shape.width;
  Vector acc[OB][XV] = {};
  for (int c = 0; c < shape.channels; ++c)
    for (int ky = 0; ky < kLaneKernel; ++ky) {
      const float* source = in + c * plane + std::size_t(ky) * shape.width;
      const float* w = weights + (std::size_t(c) * kLaneKernel + ky) * kLaneKernel;
#pragma GCC unroll 5
      for (int kx = 0; kx < kLaneKernel; ++kx) {
        Vector x[XV];
        for (int v = 0; v + 1 < XV; ++v) x[v] = load(source + kx + v * kLanes);
        x[XV - 1] = load_partial(source + kx + (XV - 1) * kLanes, tail);
        for (int o = 0; o < OB; ++o) {
          const Vector weight = splat(w[o * rows + kx]);
          for (int v = 0; v < XV; ++v) acc[o][v] += weight * x[v];
        }
      }
    }
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o) {
    for (int v = 0; v + 1 < XV; ++v) store(out + o * positions + v * kLanes, acc[o][v]);
    store_partial(out + o * positions + (XV - 1) * kLanes, acc[o][XV - 1], tail);
  }
}

template <int OB, int XV>
void rows_forward(const ConvShape& shape, const float* in, const float* weights, float* out) {
  const int out_height = shape.height - kLaneKernel + 1, out_width = shape.width - kLaneKernel + 1;
  const std::size_t rows = std::size_t(shape.channels) * kLaneKernel * kLaneKernel,
                    positions = std::size_t(out_height) * out_width;
  for (int o = 0; o < shape.out_channels; o += OB)
    for (int oy = 0; oy < out_height; ++oy)
      rows_forward_row<OB, XV>(shape, in + std::size_t(oy) * shape.width, weights + o * rows, rows,
                               out + o * positions + std::size_t(oy) * out_width, positions);
}

// grad_weights[o][(c, ky, kx)] += Σ over samples and positions of grad[o][p] · in[c][p.y + ky][p.x + kx],
// for OB maps, one input channel and one kernel row: OB·5 accumulators of partial sums, reduced across lanes
// once at the end.
template <int OB>
void rows_weight_grad_block(const ConvShape& shape, const float* __restrict in, const float* __restrict grad,
                            int samples, float* __restrict grad_weights, std::size_t rows) {
  const int out_height = shape.height - kLaneKernel + 1, out_width = shape.width - kLaneKernel + 1;
  const int vectors = row_vectors(out_width);
  const std::size_t positions = std::size_t(out_height) * out_width,
                    sample_in = std::size_t(shape.channels) * shape.height * shape.width,
                    sample_grad = std::size_t(shape.out_channels) * positions;
  Vector acc[OB][kLaneKernel] = {};
  for (int n = 0; n < samples; ++n)
    for (int oy = 0; oy < out_height; ++oy)
      for (int v = 0; v < vectors; ++v) {
        const std::size_t count = v + 1 < vectors ? std::size_t(kLanes) : last_lanes(out_width);
        const float* source = in + n * sample_in + std::size_t(oy) * shape.width + v * kLanes;
        Vector g[OB];
#pragma GCC unroll 8
        for (int o = 0; o < OB; ++o)
          g[o] = load_partial(grad + n * sample_grad + o * positions + std::size_t(oy) * out_width + v * kLanes, count);
#pragma GCC unroll 5
        for (int kx = 0; kx < kLaneKernel; ++kx) {
          const Vector x = load_partial(source + kx, count);
#pragma GCC unroll 8
          for (int o = 0; o < OB; ++o) acc[o][kx] += g[o] * x;
        }
      }
  // Every loop over the accumulators is unrolled, or GCC keeps them in memory.
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 5
    for (int kx = 0; kx < kLaneKernel; ++kx) grad_weights[o * rows + kx] += lane_sum(acc[o][kx]);
}

// Maps per block: as many as the registers hold (the forward keeps OB·XV accumulators, the weight
// gradient OB·5), dividing the layer's maps.
constexpr int kRowBlocks[] = {6, 4, 3, 2, 1};
inline int rows_block(int out_channels, int vectors_per_map) {
  for (int block : kRowBlocks)
    if (out_channels % block == 0 && block * vectors_per_map <= kLaneAccumulators) return block;
  return 1;
}

// Runs body(std::integral_constant<int, OB>{}) for OB = block ∈ kRowBlocks.
template <class Body>
void with_row_block(int block, Body body) {
  switch (block) {
    case 6: return body(std::integral_constant<int, 6>{});
    case 4: return body(std::integral_constant<int, 4>{});
    case 3: return body(std::integral_constant<int, 3>{});
    case 2: return body(std::integral_constant<int, 2>{});
    default: return body(std::integral_constant<int, 1>{});
  }
}

constexpr int kMaxRowVectors = 4;

inline bool conv_rows_fits(const ConvShape& shape, int kernel) {
  const int out_width = shape.width - kernel + 1;
  return kernel == kLaneKernel && out_width >= 1 && row_vectors(out_width) <= kMaxRowVectors;
}

inline void conv_rows_forward(const ConvShape& shape, const float* in, const float* weights, float* out) {
  const int vectors = row_vectors(shape.width - kLaneKernel + 1);
  with_row_block(rows_block(shape.out_channels, vectors), [&](auto ob) {
    switch (vectors) {
      case 1: return rows_forward<ob(), 1>(shape, in, weights, out);
      case 2: return rows_forward<ob(), 2>(shape, in, weights, out);
      case 3: return rows_forward<ob(), 3>(shape, in, weights, out);
      default: return rows_forward<ob(), kMaxRowVectors>(shape, in, weights, out);
    }
  });
}

inline void conv_rows_weight_grad(const ConvShape& shape, const float* in, const float* grad, int samples,
                                  float* grad_weights) {
  const std::size_t plane = std::size_t(shape.height) * shape.width,
                    rows = std::size_t(shape.channels) * kLaneKernel * kLaneKernel,
                    positions = std::size_t(shape.height - kLaneKernel + 1) * (shape.width - kLaneKernel + 1);
  with_row_block(rows_block(shape.out_channels, kLaneKernel), [&](auto ob) {
    for (int o = 0; o < shape.out_channels; o += ob())
      for (int c = 0; c < shape.channels; ++c)
        for (int ky = 0; ky < kLaneKernel; ++ky)
          rows_weight_grad_block<ob()>(shape, in + c * plane + std::size_t(ky) * shape.width, grad + o * positions,
                                       samples, grad_weights + o * rows + (std::size_t(c) * kLaneKernel + ky) * kLaneKernel,
                                       rows);
  });
}

// ---- fold: the input gradient's col2im ----------------------------------------------------------------

// One input row of V vectors: the sum of every column entry that came from it, gathered in registers (an
// unfolded row adds onto the input row shifted by kx; adding row after row in memory would stall every
// load on the overlapping stores just made).
template <int V>
void fold_rows(const ConvShape& shape, const float* __restrict columns, std::size_t stride, float* __restrict grad_in) {
  const int out_height = shape.height - kLaneKernel + 1, out_width = shape.width - kLaneKernel + 1;
  const std::size_t tail = std::size_t(shape.width - (V - 1) * kLanes);
  for (int c = 0; c < shape.channels; ++c)
    for (int iy = 0; iy < shape.height; ++iy) {
      Vector acc[V] = {};
      for (int ky = iy < out_height ? 0 : iy - out_height + 1; ky < kLaneKernel && ky <= iy; ++ky) {
        const float* row = columns + std::size_t((c * kLaneKernel + ky) * kLaneKernel) * stride + (iy - ky) * out_width;
#pragma GCC unroll 5
        for (int kx = 0; kx < kLaneKernel; ++kx, row += stride)
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) {
            // Lane i of vector v is input column x = v·lanes + i, fed by output column x − kx.
            const int first = v * kLanes - kx;
            const int begin = first < 0 ? -first : 0, end = out_width - first < kLanes ? out_width - first : kLanes;
            if (begin < end) acc[v] += load_range(row + first, begin, end);
          }
      }
      float* target = grad_in + (std::size_t(c) * shape.height + iy) * shape.width;
#pragma GCC unroll 4
      for (int v = 0; v + 1 < V; ++v) store(target + v * kLanes, acc[v]);
      store_partial(target + (V - 1) * kLanes, acc[V - 1], tail);
    }
}

inline bool conv_fold_fits(const ConvShape& shape, int kernel) {
  return kernel == kLaneKernel && shape.width >= kLaneKernel && row_vectors(shape.width) <= kMaxRowVectors;
}

inline void conv_fold(const ConvShape& shape, const float* columns, std::size_t stride, float* grad_in) {
  switch (row_vectors(shape.width)) {
    case 1: return fold_rows<1>(shape, columns, stride, grad_in);
    case 2: return fold_rows<2>(shape, columns, stride, grad_in);
    case 3: return fold_rows<3>(shape, columns, stride, grad_in);
    default: return fold_rows<kMaxRowVectors>(shape, columns, stride, grad_in);
  }
}

}  // namespace lenet5::kernels::LENET5_ISA_NAMESPACE
