#pragma once
// The runtime network built from a NetworkSpec: layers in order, each owning a slice of the flat parameter
// buffer. Holds no parameters and no activations itself, so one Network serves any number of threads,
// each with its own Workspace.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "nn/layers.hpp"

namespace lenet5::nn {

// Inputs to run through the network at once: every layer's activations for 32 LeNet-5 inputs (~1 MB) stay
// within a core's L2, so training and batch inference work through larger batches in chunks of this size.
inline constexpr int kCacheBatch = 32;

template <class T>
class Network {
 public:
  explicit Network(const NetworkSpec& spec);

  const NetworkSpec& spec() const { return spec_; }
  std::size_t parameter_count() const { return parameter_count_; }
  int input_size() const { return spec_.input.size(); }
  int output_size() const { return layers_.back()->output_shape().size(); }
  std::size_t layer_count() const { return layers_.size(); }
  const Layer<T>& layer(std::size_t index) const { return *layers_[index]; }
  std::size_t parameter_offset(std::size_t layer) const { return offsets_[layer]; }

  void initialize(std::span<T> parameters, Rng& rng) const;

  // Activations and scratch for batches of up to `max_batch`; gradient buffers too when `for_training`.
  class Workspace {
    friend class Network;
    int max_batch_ = 0;
    std::vector<T> activations_;  // every layer's output, one after another
    std::vector<T> gradient_a_, gradient_b_, curvature_;
    std::vector<T> scratch_;
  };
  Workspace make_workspace(int max_batch, bool for_training) const;

  // input: (batch, C, H, W), already scaled. Returns the output (batch × output_size), inside `workspace`.
  const T* forward(const T* parameters, const T* input, int batch, Workspace& workspace) const;
  // Layer `index`'s output from the last forward.
  const T* activation(const Workspace& workspace, std::size_t index) const;
  // Where the loss writes dE/d(output) before backward.
  T* output_gradient(Workspace& workspace) const { return workspace.gradient_a_.data(); }
  // After forward on the same input: adds dE/d(parameters) to grad_parameters.
  void backward(const T* parameters, const T* input, int batch, Workspace& workspace, T* grad_parameters) const;
  // Where the loss writes its Gauss-Newton ∂²E/∂(output)² before backward_curvature.
  T* output_curvature(Workspace& workspace) const { return workspace.curvature_.data(); }
  // After forward, with the loss's derivative and curvature written: adds each parameter's Gauss-Newton
  // second derivative (App. C: Σ over the connections sharing it of ∂²E/∂a²·x²) to curvature_parameters.
  void backward_curvature(const T* parameters, const T* input, int batch, Workspace& workspace,
                          T* curvature_parameters) const;

 private:
  NetworkSpec spec_;
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  std::vector<std::size_t> offsets_;             // parameters
  std::vector<std::size_t> activation_offsets_;  // per sample
  std::size_t parameter_count_ = 0;
};

extern template class Network<float>;
extern template class Network<double>;

// The network that runs `model`: the one place a model becomes a runtime network. Throws lenet5::Error when
// the model's parameters do not fit its spec.
Network<float> network_for(const Model& model);

}  // namespace lenet5::nn
