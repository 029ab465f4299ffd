#include "lenet5/classifier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>

#include "core/thread_pool.hpp"
#include "data/input.hpp"
#include "lenet5/error.hpp"
#include "nn/loss.hpp"
#include "nn/network.hpp"
#include "nn/rbf_prototypes.hpp"

namespace lenet5 {

namespace {

// Images run through the network at once, in every use: chunks start at multiples of it, so an image's
// outputs never depend on how a call was split across threads.
constexpr std::size_t kChunk = nn::kCacheBatch;

Tensor make_tensor(std::string name, std::vector<int> shape, const float* values, bool trainable) {
  std::size_t size = 1;
  for (int extent : shape) size *= std::size_t(extent);
  return {std::move(name), std::move(shape), std::vector<float>(values, values + size), trainable};
}

// A layer's output maps: [C][H][W], or [C] when the maps are single values.
Tensor maps_tensor(std::string name, const Shape& shape, const float* values) {
  std::vector<int> dims = shape.height == 1 && shape.width == 1 ? std::vector<int>{shape.channels}
                                                                : std::vector<int>{shape.channels, shape.height, shape.width};
  return make_tensor(std::move(name), std::move(dims), values, false);
}

// `layer`'s parameters (its slice of the flat buffer) in the layout lenet5/layer_info.hpp documents.
LayerInfo describe_layer(const LayerSpec& spec, const nn::Layer<float>& layer, const float* parameters) {
  LayerInfo info;
  info.name = spec.name;
  info.input = layer.input_shape();
  info.output = layer.output_shape();
  const int in_channels = info.input.channels;
  if (const auto* conv = std::get_if<ConvSpec>(&spec.op)) {
    const int outs = conv->out_channels, k = conv->kernel;
    info.kind = LayerKind::conv;
    info.activation = conv->activation;
    Tensor weight{"weight", {outs, in_channels, k, k}, std::vector<float>(std::size_t(outs) * in_channels * k * k), true};
    nn::expand_conv_weights(*conv, in_channels, parameters, weight.values.data());
    Tensor connections{"connections", {outs, in_channels}, std::vector<float>(std::size_t(outs) * in_channels, 1.0f), false};
    if (!conv->connections.empty())
      for (int o = 0; o < outs; ++o)
        for (int i = 0; i < in_channels; ++i) connections.values[std::size_t(o) * in_channels + i] = conv->connections[o][i];
    info.tensors.push_back(std::move(weight));
    info.tensors.push_back(std::move(connections));
    // The biases follow the (packed) weights.
    info.tensors.push_back(make_tensor("bias", {outs}, parameters + layer.parameter_count() - outs, true));
  } else if (const auto* subsample = std::get_if<SubsampleSpec>(&spec.op)) {
    info.kind = LayerKind::subsample;
    info.activation = subsample->activation;
    info.pooling = subsample->pooling;
    if (subsample->trainable) {
      info.tensors.push_back(make_tensor("coefficient", {in_channels}, parameters, true));
      info.tensors.push_back(make_tensor("bias", {in_channels}, parameters + in_channels, true));
    }
  } else if (const auto* dense = std::get_if<DenseSpec>(&spec.op)) {
    const int outs = dense->out_features, inputs = info.input.size();
    info.kind = LayerKind::full;
    info.activation = dense->activation;
    info.tensors.push_back(make_tensor("weight", {outs, inputs}, parameters, true));
    info.tensors.push_back(make_tensor("bias", {outs}, parameters + std::size_t(outs) * inputs, true));
  } else {
    const int classes = std::get<RbfSpec>(spec.op).classes;
    info.kind = LayerKind::rbf;
    info.tensors.push_back(make_tensor("prototypes", {classes, nn::kPrototypeSize}, nn::rbf_prototypes().data(), false));
  }
  return info;
}

}  // namespace

void check_channels(const NetworkSpec& spec, int channels) {
  const auto name = [](int c) { return c == 1 ? std::string("grey") : c == 3 ? std::string("colour (RGB)") : std::to_string(c) + "-channel"; };
  if (channels != spec.input.channels)
    throw Error("the images are " + name(channels) + " but the network reads " + name(spec.input.channels) + " images");
}

std::string to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::conv: return "conv";
    case LayerKind::subsample: return "subsample";
    case LayerKind::full: return "full";
    case LayerKind::rbf: return "rbf";
  }
  return "?";
}

struct Classifier::Impl {
  std::optional<Model> owned;  // empty when borrowing
  const Model& model;
  nn::Network<float> network;
  InputEncoder encoder;

  // Buffers for one forward call of up to kChunk images. Calls borrow one from a free list, so that a
  // classification allocates nothing once warm and concurrent callers never share one.
  struct Buffers {
    nn::Network<float>::Workspace workspace;
    std::vector<float> input;
  };
  std::mutex mutex;
  std::vector<std::unique_ptr<Buffers>> free_buffers;

  explicit Impl(Model&& m) : owned(std::move(m)), model(*owned), network(nn::network_for(model)), encoder(model.spec) {}
  explicit Impl(const Model& borrowed) : model(borrowed), network(nn::network_for(model)), encoder(model.spec) {}

  // One call's buffers, returned to the free list when it ends (also by an exception).
  class Lease {
   public:
    explicit Lease(Impl& impl) : impl_(impl), buffers_(impl.take_buffers()) {}
    ~Lease() {
      std::lock_guard lock(impl_.mutex);
      impl_.free_buffers.push_back(std::move(buffers_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Buffers& operator*() const { return *buffers_; }

   private:
    Impl& impl_;
    std::unique_ptr<Buffers> buffers_;
  };

  std::unique_ptr<Buffers> take_buffers() {
    {
      std::lock_guard lock(mutex);
      if (!free_buffers.empty()) {
        auto buffers = std::move(free_buffers.back());
        free_buffers.pop_back();
        return buffers;
      }
    }
    return std::make_unique<Buffers>(
        Buffers{network.make_workspace(kChunk, false), std::vector<float>(kChunk * network.input_size())});
  }

  // Runs images [first, end) of `pixels` (channels × width × height bytes each, already size-checked) through the
  // network in chunks of kChunk starting at `first`, and hands each chunk's outputs to
  // consume(index of its first image, image count, outputs: count × classes).
  template <class Consume>
  void run(const std::uint8_t* pixels, int width, int height, std::size_t first, std::size_t end, Buffers& buffers,
           Consume consume) const {
    const std::size_t image_size = std::size_t(encoder.shape().channels) * width * height;
    for (std::size_t chunk = first; chunk < end; chunk += kChunk) {
      const int count = static_cast<int>(std::min(kChunk, end - chunk));
      for (int i = 0; i < count; ++i)
        encoder.encode(pixels + (chunk + i) * image_size, width, height,
                       buffers.input.data() + std::size_t(i) * network.input_size());
      consume(chunk, count, network.forward(model.parameters.data(), buffers.input.data(), count, buffers.workspace));
    }
  }

  void check_images(std::span<const std::uint8_t> pixels, int width, int height, std::size_t count) const {
    encoder.check_size(width, height);
    if (pixels.size() != std::size_t(encoder.shape().channels) * width * height * count)
      throw Error("pixel buffer does not hold the stated number of images");
  }
};

Classifier::Classifier(Model model) : impl_(std::make_unique<Impl>(std::move(model))) {}
Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Classifier Classifier::borrowing(const Model& model) { return Classifier(std::make_unique<Impl>(model)); }
Classifier::~Classifier() = default;
Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;

const Model& Classifier::model() const { return impl_->model; }
int Classifier::classes() const { return impl_->network.output_size(); }

void Classifier::score_batch(std::span<const std::uint8_t> pixels, int width, int height, std::size_t count,
                             std::span<float> scores) const {
  impl_->check_images(pixels, width, height, count);
  if (scores.size() != std::size_t(classes()) * count) throw Error("score buffer does not fit the images");
  const Impl::Lease buffers(*impl_);
  impl_->run(pixels.data(), width, height, 0, count, *buffers, [&](std::size_t first, int n, const float* outputs) {
    std::copy(outputs, outputs + std::size_t(n) * classes(), scores.begin() + first * classes());
  });
}

Prediction Classifier::classify(std::span<const std::uint8_t> pixels, int width, int height) const {
  Prediction prediction;
  prediction.probabilities.resize(classes());
  score_batch(pixels, width, height, 1, prediction.probabilities);
  // Probabilities: the softmax of the scores, or of the negated penalties (the MAP criterion's reading, eq. 9).
  auto& p = prediction.probabilities;
  const bool penalties = outputs_are_penalties(model().spec);
  prediction.label = nn::predicted_class(p.data(), classes(), penalties);
  const float sign = penalties ? -1.0f : 1.0f, top = sign * p[prediction.label];
  float total = 0;
  for (float& value : p) total += (value = std::exp(sign * value - top));
  for (float& value : p) value /= total;
  return prediction;
}

DatasetPredictions Classifier::predict(const Dataset& data, int threads) const {
  data.check_images("dataset");
  check_channels(model().spec, data.channels);
  impl_->encoder.check_size(data.cols, data.rows);
  const int classes = this->classes();
  const bool penalties = outputs_are_penalties(model().spec);
  DatasetPredictions result{std::vector<int>(data.count), std::vector<float>(data.count), std::vector<float>(data.count)};
  ThreadPool pool(threads);
  // Each thread takes a run of whole chunks.
  const std::size_t chunks = (data.count + kChunk - 1) / kChunk, tasks = std::size_t(pool.size());
  pool.run([&](int task) {
    const std::size_t first = chunks * task / tasks * kChunk;
    const std::size_t end = std::min(chunks * (task + 1) / tasks * kChunk, data.count);
    if (first >= end) return;
    const Impl::Lease buffers(*impl_);
    impl_->run(data.images.data(), data.cols, data.rows, first, end, *buffers,
               [&](std::size_t chunk, int count, const float* scores) {
                 for (int i = 0; i < count; ++i) {
                   const float* outputs = scores + std::size_t(i) * classes;
                   const int best = nn::predicted_class(outputs, classes, penalties);
                   float gap = std::numeric_limits<float>::infinity(), total = 0;
                   for (int c = 0; c < classes; ++c) {
                     const float behind = penalties ? outputs[c] - outputs[best] : outputs[best] - outputs[c];
                     total += std::exp(-behind);
                     if (c != best) gap = std::min(gap, behind);
                   }
                   result.labels[chunk + i] = best;
                   result.margins[chunk + i] = gap;
                   result.confidences[chunk + i] = 1.0f / total;  // classify's softmax, at the winner
                 }
               });
  });
  return result;
}

std::vector<LayerInfo> Classifier::layers() const {
  const nn::Network<float>& network = impl_->network;
  std::vector<LayerInfo> layers;
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    layers.push_back(describe_layer(network.spec().layers[i], network.layer(i),
                                    model().parameters.data() + network.parameter_offset(i)));
  return layers;
}

std::vector<Tensor> Classifier::trace(std::span<const std::uint8_t> pixels, int width, int height) const {
  impl_->check_images(pixels, width, height, 1);
  const nn::Network<float>& network = impl_->network;
  const Impl::Lease buffers(*impl_);
  impl_->run(pixels.data(), width, height, 0, 1, *buffers, [](std::size_t, int, const float*) {});
  // With one image in the chunk, each layer's activations start with its maps.
  std::vector<Tensor> maps{maps_tensor("input", network.spec().input, (*buffers).input.data())};
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    maps.push_back(maps_tensor(network.spec().layers[i].name, network.layer(i).output_shape(),
                               network.activation((*buffers).workspace, i)));
  return maps;
}

}  // namespace lenet5
