#include "nn/network.hpp"

#include <algorithm>
#include <string>

#include "lenet5/error.hpp"

namespace lenet5::nn {

template <class T>
Network<T>::Network(const NetworkSpec& spec) : spec_(spec) {
  summarize(spec);  // validates
  Shape shape = spec.input;
  std::size_t activations = 0;
  for (const LayerSpec& layer_spec : spec.layers) {
    layers_.push_back(make_layer<T>(layer_spec, shape));
    offsets_.push_back(parameter_count_);
    activation_offsets_.push_back(activations);
    parameter_count_ += layers_.back()->parameter_count();
    shape = layers_.back()->output_shape();
    activations += shape.size();
  }
  activation_offsets_.push_back(activations);
}

template <class T>
void Network<T>::initialize(std::span<T> parameters, Rng& rng) const {
  if (parameters.size() != parameter_count_) throw Error("parameter buffer does not fit the network");
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->initialize(parameters.subspan(offsets_[i], layers_[i]->parameter_count()), rng);
}

template <class T>
typename Network<T>::Workspace Network<T>::make_workspace(int max_batch, bool for_training) const {
  Workspace workspace;
  workspace.max_batch_ = max_batch;
  workspace.activations_.resize(activation_offsets_.back() * max_batch);
  std::size_t widest = static_cast<std::size_t>(input_size()), scratch = 0;
  for (const auto& layer : layers_) {
    widest = std::max<std::size_t>(widest, layer->output_shape().size());
    scratch = std::max(scratch, layer->scratch_size(max_batch));
  }
  if (for_training) {
    workspace.gradient_a_.resize(widest * max_batch);
    workspace.gradient_b_.resize(widest * max_batch);
    workspace.curvature_.resize(widest * max_batch);
  }
  workspace.scratch_.resize(scratch);
  return workspace;
}

template <class T>
const T* Network<T>::activation(const Workspace& workspace, std::size_t index) const {
  return workspace.activations_.data() + activation_offsets_[index] * workspace.max_batch_;
}

template <class T>
const T* Network<T>::forward(const T* parameters, const T* input, int batch, Workspace& workspace) const {
  if (batch > workspace.max_batch_) throw Error("batch larger than the workspace");
  const T* in = input;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    T* out = workspace.activations_.data() + activation_offsets_[i] * workspace.max_batch_;
    layers_[i]->forward(parameters + offsets_[i], in, out, batch, workspace.scratch_.data());
    in = out;
  }
  return in;
}

template <class T>
void Network<T>::backward(const T* parameters, const T* input, int batch, Workspace& workspace,
                          T* grad_parameters) const {
  if (workspace.gradient_a_.empty()) throw Error("backward needs a workspace made for training");
  T* grad_out = workspace.gradient_a_.data();
  T* grad_in = workspace.gradient_b_.data();
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const T* in = i == 0 ? input : activation(workspace, i - 1);
    layers_[i]->backward(parameters + offsets_[i], in, activation(workspace, i), grad_out, i == 0 ? nullptr : grad_in,
                         grad_parameters + offsets_[i], batch, workspace.scratch_.data());
    std::swap(grad_out, grad_in);
  }
}

template <class T>
void Network<T>::backward_curvature(const T* parameters, const T* input, int batch, Workspace& workspace,
                                    T* curvature_parameters) const {
  if (workspace.curvature_.empty()) throw Error("backward_curvature needs a workspace made for training");
  // The output's first derivative stays in gradient_a_ for the last layer; the curvature passes between
  // curvature_ and gradient_b_.
  const T* grad_output = workspace.gradient_a_.data();
  T* curvature_out = workspace.curvature_.data();
  T* curvature_in = workspace.gradient_b_.data();
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const T* in = i == 0 ? input : activation(workspace, i - 1);
    layers_[i]->backward_curvature(parameters + offsets_[i], in, activation(workspace, i),
                                   i + 1 == layers_.size() ? grad_output : nullptr, curvature_out,
                                   i == 0 ? nullptr : curvature_in, curvature_parameters + offsets_[i], batch,
                                   workspace.scratch_.data());
    std::swap(curvature_out, curvature_in);
  }
}

template class Network<float>;
template class Network<double>;

Network<float> network_for(const Model& model) {
  Network<float> network(model.spec);
  if (model.parameters.size() != network.parameter_count())
    throw Error("the model has " + std::to_string(model.parameters.size()) + " parameters; its network needs " +
                std::to_string(network.parameter_count()));
  return network;
}

}  // namespace lenet5::nn
