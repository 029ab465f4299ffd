#pragma once
// LeNet-5's 5×5 convolutions (stride 1, no padding) as direct kernels, float only, chosen per CPU like sgemm.
// Two ways to fill the vector lanes:
//  - lanes: the output channels, for layers whose maps fill whole vectors (C3: 16). Weights and products
//    are channels-last: weights[(c, ky, kx)][out_channel], out[position][out_channel].
//  - rows: the output positions along a row, for layers with few maps and wide rows (C1: 6 maps, 28
//    wide). Weights and products are as the layer stores them: weights[out_channel][(c, ky, kx)],
//    out[out_channel][position].
#include <cstddef>

namespace lenet5::kernels {

struct ConvShape {
  int channels, height, width;  // one sample's input
  int out_channels;
};

// Whether the lane kernels take this layer on the CPU's instruction set.
bool conv_lanes_fits(int out_channels, int kernel);

// out(positions × out_channels) = the convolution of one sample's input (channels × height × width).
void conv_lanes_forward(const ConvShape& shape, const float* in, const float* weights, float* out);

// grad_weights((channels·25) × out_channels) += the weight gradient of one sample, given its input and its
// output gradient grad(positions × out_channels).
void conv_lanes_weight_grad(const ConvShape& shape, const float* in, const float* grad, float* grad_weights);

bool conv_rows_fits(const ConvShape& shape, int kernel);

// out(out_channels × positions) = the convolution of one sample's input.
void conv_rows_forward(const ConvShape& shape, const float* in, const float* weights, float* out);

// grad_weights(out_channels × channels·25) += the weight gradient of `samples` samples stored one after
// another: inputs (channels × height × width each) and output gradients (out_channels × positions each).
void conv_rows_weight_grad(const ConvShape& shape, const float* in, const float* grad, int samples,
                           float* grad_weights);

bool conv_fold_fits(const ConvShape& shape, int kernel);

// grad_in(channels × height × width) = the adjoint of unfolding one sample (col2im): every entry of
// columns[(c, ky, kx)][position] (rows `stride` apart) added back onto the input it was read from.
void conv_fold(const ConvShape& shape, const float* columns, std::size_t stride, float* grad_in);

}  // namespace lenet5::kernels
