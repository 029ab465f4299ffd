#pragma once
// 5×5 convolutions (stride 1, no padding) with the output channels in vector lanes, for layers whose
// output maps fill whole vectors (C3: 16 maps). Weights and products are laid out channels-last:
// weights[(c, ky, kx)][out_channel], out[position][out_channel]. Float only; chosen per CPU like sgemm.
#include <cstddef>

namespace lenet5::kernels {

struct ConvLanesShape {
  int channels, height, width;  // one sample's input
  int out_channels;
};

// Whether the lane kernels take this layer on the CPU's instruction set.
bool conv_lanes_fits(int out_channels, int kernel);

// out(positions × out_channels) = the convolution of one sample's input (channels × height × width).
void conv_lanes_forward(const ConvLanesShape& shape, const float* in, const float* weights, float* out);

// grad_weights((channels·25) × out_channels) += the weight gradient of one sample, given its input and its
// output gradient grad(positions × out_channels).
void conv_lanes_weight_grad(const ConvLanesShape& shape, const float* in, const float* grad, float* grad_weights);

}  // namespace lenet5::kernels
