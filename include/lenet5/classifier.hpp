#pragma once
// Inference as one library call: image in, scores out.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lenet5/model.hpp"

namespace lenet5 {

struct Prediction {
  int label = -1;
  std::vector<float> probabilities;  // one per class, summing to 1
};

class Classifier {
 public:
  explicit Classifier(Model model);
  ~Classifier();
  Classifier(Classifier&&) noexcept;
  Classifier& operator=(Classifier&&) noexcept;

  const Model& model() const;
  int classes() const;

  // `pixels` are MNIST-style bytes (0 = background, 255 = ink), width × height no larger than the network's
  // input; smaller images are centred on a background canvas (28×28 MNIST digits get the paper's padding).
  // Throws lenet5::Error for a wrong size.
  Prediction classify(std::span<const std::uint8_t> pixels, int width, int height) const;

  // Raw network outputs for `count` images of width × height bytes each, written to `scores`
  // (count × classes): scores (logits), or RBF penalties for the classic preset. Runs on the calling thread;
  // several threads may call it on one Classifier at once (each borrows its own buffers).
  void score_batch(std::span<const std::uint8_t> pixels, int width, int height, std::size_t count,
                   std::span<float> scores) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lenet5
