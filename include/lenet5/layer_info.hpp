#pragma once
// The network as plain data: every layer's kind, shapes and parameters as named dense tensors, and every
// layer's output maps for one input. Classifier::layers() and Classifier::trace() return these; pictures of
// filters and feature maps, exporters (ONNX, C) and front ends are built on them alone, without the runtime's
// internal layouts (docs/model-format.md, "Layers as tensors", shows the same layout with an example).
//
// Running the network from layers() alone: encode the input as Classifier::classify does (the image centred
// on a canvas of model().spec.input, bytes 0–255 mapped linearly to model().spec.scaling's [background,
// foreground]), then apply each layer in order. Every array is row-major (C order).
//
//   conv       out[o][y][x] = act(bias[o] + Σ_i Σ_ky Σ_kx weight[o][i][ky][kx] · in[i][y+ky][x+kx])
//              valid convolution, stride 1 (a cross-correlation, as in PyTorch's Conv2d).
//              Tensors: `weight` [out][in][k][k], `connections` [out][in], `bias` [out].
//              `connections` is 1 where input map i feeds output map o, 0 where it does not (C3's Table I in
//              the classic preset; all 1 in a fully connected conv). Where it is 0, `weight`'s k×k block is
//              0 and is no parameter of the model: the trainable values are the connected blocks only.
//   subsample  non-overlapping 2×2 windows of each map: `pooling` average (their mean) or max.
//              Trainable subsampling (classic preset, §II-B) adds tensors `coefficient` [maps] and `bias`
//              [maps]: out[m][y][x] = act(coefficient[m] · mean + bias[m]).
//   full       out[o] = act(bias[o] + Σ_j weight[o][j] · in[j]) over the input flattened in [C][H][W]
//              order. Tensors: `weight` [out][in], `bias` [out] (PyTorch's Linear).
//   rbf        out[i] = Σ_j (in[j] − prototypes[i][j])² (eq. 7), penalties: the smallest wins.
//              Tensor: `prototypes` [classes][84], fixed (not trainable), ±1.
//
// Activations: relu max(0, a); scaled_tanh 1.7159 · tanh(2a/3) (eq. 6); logistic 1 / (1 + e^−a).
// Whether outputs are scores or penalties, and the loss they were trained with: model().spec.loss
// (outputs_are_penalties(spec)).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "lenet5/network_spec.hpp"

namespace lenet5 {

// A named dense array of floats, row-major over `shape`.
struct Tensor {
  std::string name;
  std::vector<int> shape;
  std::vector<float> values;  // the product of `shape` values
  bool trainable = false;     // false for constants (RBF prototypes, connection masks) and activations
};

enum class LayerKind { conv, subsample, full, rbf };
std::string to_string(LayerKind kind);

struct LayerInfo {
  std::string name;  // the paper's: C1, S2, …, OUTPUT
  LayerKind kind = LayerKind::full;
  Shape input;
  Shape output;
  std::optional<Activation> activation;  // applied last; none for pooling without one, rbf, linear outputs
  std::optional<Pooling> pooling;        // subsample only
  std::vector<Tensor> tensors;           // in the order listed above for its kind
};

}  // namespace lenet5
