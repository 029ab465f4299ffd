#include "lenet5/classifier.hpp"

#include <algorithm>
#include <cmath>

#include "data/input.hpp"
#include "lenet5/error.hpp"
#include "nn/network.hpp"
#include "nn/loss.hpp"

namespace lenet5 {

struct Classifier::Impl {
  Model model;
  nn::Network<float> network;
  InputEncoder encoder;

  explicit Impl(Model m) : model(std::move(m)), network(model.spec), encoder(model.spec) {
    if (model.parameters.size() != network.parameter_count())
      throw Error("model has " + std::to_string(model.parameters.size()) + " parameters, its network needs " +
                  std::to_string(network.parameter_count()));
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
  constexpr std::size_t kChunk = 64;
  const nn::Network<float>& network = impl_->network;
  auto workspace = network.make_workspace(static_cast<int>(std::min(kChunk, std::max<std::size_t>(count, 1))), false);
  std::vector<float> input(std::min(kChunk, count) * network.input_size());
  for (std::size_t first = 0; first < count; first += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, count - first));
    for (int i = 0; i < n; ++i)
      impl_->encoder.encode(pixels.data() + (first + i) * image_size, width, height,
                            input.data() + std::size_t(i) * network.input_size());
    const float* out = network.forward(impl_->model.parameters.data(), input.data(), n, workspace);
    std::copy(out, out + std::size_t(n) * classes(), scores.begin() + first * classes());
  }
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
