#pragma once
// 5×5 convolutions with the output channels in the vector lanes, compiled once per instruction set next to
// the matrix kernels (included after sgemm_impl.hpp, whose Vector, load and store it uses).
//
// C3 has 16 output maps: exactly one AVX-512 vector. Each step broadcasts one input value and multiplies it
// by the 16 maps' weights for that input at once, so neither the forward pass nor the weight gradient needs
// the unfolded (im2col) copy of the input, and the products need no reduction across lanes.
#include <type_traits>

#include "kernels/conv_lanes.hpp"

namespace lenet5::kernels::LENET5_ISA_NAMESPACE {

constexpr int kLaneKernel = 5;
// Accumulator registers a strip may use: most of AVX-512's 32, or of AVX2's 16.
constexpr int kLaneAccumulators = kLanes == 16 ? 24 : 12;

// out(XB positions × NV vectors) for XB consecutive outputs of one row, the first reading its 5×5 windows
// at `in`: Σ over (c, ky, kx) of in[c][ky][kx + i] · weights[(c, ky, kx)].
template <int NV, int XB>
void lanes_forward_strip(const ConvLanesShape& shape, const float* __restrict in, const float* __restrict weights,
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
void lanes_forward_rows(const ConvLanesShape& shape, const float* in, const float* weights, float* out) {
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
void lanes_forward(const ConvLanesShape& shape, const float* in, const float* weights, float* out) {
  if constexpr (XB > 1) {
    if (XB > shape.width - kLaneKernel + 1) return lanes_forward<NV, XB - 1>(shape, in, weights, out);
  }
  lanes_forward_rows<NV, XB>(shape, in, weights, out);
}

// grad_weights[(c, ky, kx)] += Σ over output positions p of in[c][p.y + ky][p.x + kx] · grad[p], for one
// input channel and KY kernel rows from `first_row`: KY·5·NV accumulators stay in registers for the whole
// sweep over the positions.
template <int NV, int KY>
void lanes_weight_grad_block(const ConvLanesShape& shape, const float* __restrict in, const float* __restrict grad,
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
void lanes_weight_grad(const ConvLanesShape& shape, const float* in, const float* grad, float* grad_weights) {
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

inline void conv_lanes_forward(const ConvLanesShape& shape, const float* in, const float* weights, float* out) {
  with_lane_vectors(shape.out_channels, [&](auto nv) { lanes_forward<nv()>(shape, in, weights, out); });
}

inline void conv_lanes_weight_grad(const ConvLanesShape& shape, const float* in, const float* grad,
                                   float* grad_weights) {
  with_lane_vectors(shape.out_channels, [&](auto nv) { lanes_weight_grad<nv()>(shape, in, grad, grad_weights); });
}

}  // namespace lenet5::kernels::LENET5_ISA_NAMESPACE
