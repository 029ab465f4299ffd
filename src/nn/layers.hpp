#pragma once
// Layers with forward and backward on a batch. Arrays are NCHW, packed: `in` is (batch, in.C, in.H, in.W),
// `out` is (batch, out.C, out.H, out.W). Parameters are not owned: each layer reads its slice of the one
// flat parameter buffer and accumulates into the same slice of a gradient buffer.
#include <cstddef>
#include <memory>
#include <span>

#include "core/rng.hpp"
#include "lenet5/network_spec.hpp"

namespace lenet5::nn {

template <class T>
class Layer {
 public:
  Layer(Shape input, Shape output) : input_(input), output_(output) {}
  virtual ~Layer() = default;

  const Shape& input_shape() const { return input_; }
  const Shape& output_shape() const { return output_; }
  virtual std::size_t parameter_count() const = 0;
  // Scratch memory (elements of T) that forward/backward need for a batch of `batch`.
  virtual std::size_t scratch_size(int /*batch*/) const { return 0; }
  virtual void initialize(std::span<T> parameters, Rng& rng) const = 0;

  virtual void forward(const T* parameters, const T* in, T* out, int batch, T* scratch) const = 0;
  // grad_out holds dE/d(out) and is overwritten; grad_in receives dE/d(in) (skipped when null);
  // dE/d(parameters) is added to grad_parameters.
  virtual void backward(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in,
                        T* grad_parameters, int batch, T* scratch) const = 0;
  // The Gauss-Newton second derivatives that the SDLM optimizer needs (App. C, eq. 27), propagated like the
  // gradient but with squared weights, squared inputs and squared activation derivatives: curvature_out
  // holds ∂²E/∂out² (≥ 0) and is overwritten; curvature_in receives ∂²E/∂in² (skipped when null); for each
  // parameter, Σ ∂²E/∂a²·x² over the connections sharing it is added to curvature_parameters. grad_out is
  // dE/d(out), given to the last layer only, for an output layer whose own second derivative matters (RBF).
  virtual void backward_curvature(const T* parameters, const T* in, const T* out, const T* grad_out,
                                  T* curvature_out, T* curvature_in, T* curvature_parameters, int batch,
                                  T* scratch) const = 0;

 private:
  Shape input_;
  Shape output_;
};

// A convolution's weights as the parameter buffer holds them (for each output map, the k×k blocks of the
// input maps its connection table links to it, in order) written densely as [out][in][k][k], zero where
// the table has no connection.
template <class T>
void expand_conv_weights(const ConvSpec& spec, int in_channels, const T* packed, T* dense);

template <class T>
std::unique_ptr<Layer<T>> make_layer(const LayerSpec& spec, Shape input);

}  // namespace lenet5::nn
