#include "lenet5/classifier.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "data/input.hpp"
#include "lenet5/error.hpp"
#include "nn/network.hpp"
#include "nn/loss.hpp"

namespace lenet5 {

namespace {

// Images classified per forward call.
constexpr std::size_t kChunk = 64;

}  // namespace

struct Classifier::Impl {
  Model model;
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

  explicit Impl(Model m) : model(std::move(m)), network(model.spec), encoder(model.spec) {
    if (model.parameters.size() != network.parameter_count())
      throw Error("model has " + std::to_string(model.parameters.size()) + " parameters, its network needs " +
                  std::to_string(network.parameter_count()));
  }

  std::unique_ptr<Buffers> borrow() {
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
  void give_back(std::unique_ptr<Buffers> buffers) {
    std::lock_guard lock(mutex);
    free_buffers.push_back(std::move(buffers));
  }
};

Classifier::Classifier(Model model) : impl_(std::make_unique<Impl>(std::move(model))) {}
Classifier::~Classifier() = default;
Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;

const Model& Classifier::model() const { return impl_->model; }
int Classifier::classes() const { return impl_->network.output_size(); }

void Classifier::score_batch(std::span<const std::uint8_t> pixels, int width, int height, std::size_t count,
                             std::span<float> scores) const {
  impl_->encoder.check_size(width, height);
  const std::size_t image_size = std::size_t(width) * height;
  if (pixels.size() != image_size * count) throw Error("pixel buffer does not hold the stated number of images");
  if (scores.size() != std::size_t(classes()) * count) throw Error("score buffer does not fit the images");
  const nn::Network<float>& network = impl_->network;
  auto buffers = impl_->borrow();
  for (std::size_t first = 0; first < count; first += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, count - first));
    for (int i = 0; i < n; ++i)
      impl_->encoder.encode(pixels.data() + (first + i) * image_size, width, height,
                            buffers->input.data() + std::size_t(i) * network.input_size());
    const float* out = network.forward(impl_->model.parameters.data(), buffers->input.data(), n, buffers->workspace);
    std::copy(out, out + std::size_t(n) * classes(), scores.begin() + first * classes());
  }
  impl_->give_back(std::move(buffers));
}

Prediction Classifier::classify(std::span<const std::uint8_t> pixels, int width, int height) const {
  Prediction prediction;
  prediction.probabilities.resize(classes());
  score_batch(pixels, width, height, 1, prediction.probabilities);
  // Probabilities: the softmax of the scores, or of the negated penalties (the MAP criterion's reading, eq. 9).
  auto& p = prediction.probabilities;
  const bool penalties = outputs_are_penalties(impl_->model.spec);
  prediction.label = nn::predicted_class(p.data(), classes(), penalties);
  const float sign = penalties ? -1.0f : 1.0f, top = sign * p[prediction.label];
  float total = 0;
  for (float& value : p) total += (value = std::exp(sign * value - top));
  for (float& value : p) value /= total;
  return prediction;
}

}  // namespace lenet5
