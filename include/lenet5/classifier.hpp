#pragma once
// Inference as one library call: image in, scores out. The library's one inference path: evaluate(),
// training's held-out check and the CLI's predict and bench all run the network through a Classifier.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lenet5/dataset.hpp"
#include "lenet5/layer_info.hpp"
#include "lenet5/model.hpp"

namespace lenet5 {

struct Prediction {
  int label = -1;
  std::vector<float> probabilities;  // one per class, summing to 1
};

// The predicted class of every example of a dataset, and by how much it won.
struct DatasetPredictions {
  std::vector<int> labels;
  // How far the winning output is ahead of the runner-up (scores: best − second; RBF penalties: second −
  // best), ≥ 0. Rejecting the smallest margins first trades coverage for accuracy (Fig. 10).
  std::vector<float> margins;
  // The winning class's probability, as classify() computes it: what predict --min-confidence compares.
  std::vector<float> confidences;
};

// Thread-safe: several threads may call any of its const methods on one Classifier at once (each call
// borrows its own buffers).
// Throws lenet5::Error unless images of `channels` channels fit the network's input, saying which is which.
void check_channels(const NetworkSpec& spec, int channels);

class Classifier {
 public:
  // Throws lenet5::Error when the model's parameters do not fit its spec.
  explicit Classifier(Model model);
  // A classifier that reads `model` where it lies instead of keeping a copy: `model` must outlive it and
  // keep its spec; its parameters may change between calls, never during one (training checks the weights
  // it is changing this way, once per epoch).
  static Classifier borrowing(const Model& model);
  ~Classifier();
  Classifier(Classifier&&) noexcept;
  Classifier& operator=(Classifier&&) noexcept;

  const Model& model() const;
  int classes() const;

  // `pixels` are MNIST-style bytes (0 = background, 255 = ink), width × height no larger than the network's
  // input, one plane per input channel (model().spec.input.channels: 1 grey, 3 for R, G, B); smaller images
  // are centred on a background canvas (28×28 MNIST digits get the paper's padding). Throws lenet5::Error
  // for a wrong size.
  Prediction classify(std::span<const std::uint8_t> pixels, int width, int height) const;

  // Raw network outputs for `count` images of width × height bytes each, written to `scores`
  // (count × classes): scores (logits), or RBF penalties for the classic preset. Runs on the calling thread.
  void score_batch(std::span<const std::uint8_t> pixels, int width, int height, std::size_t count,
                   std::span<float> scores) const;

  // The class of every example of `data` (the highest score, or the smallest RBF penalty), on `threads`
  // threads (0 = all cores). The results do not depend on the thread count.
  DatasetPredictions predict(const Dataset& data, int threads = 0) const;

  // Every layer's kind, shapes, activation and parameters as named dense tensors, in the layout
  // lenet5/layer_info.hpp documents: enough to run the network without this library.
  std::vector<LayerInfo> layers() const;

  // One image (the same contract as classify) through the network: the encoded input, named "input"
  // ([C][H][W], 1×32×32), then every layer's output maps under the layer's name, [C][H][W] (C1 6×28×28,
  // S2 6×14×14, …), or [C] where the maps are 1×1 (C5 120, F6 84, OUTPUT 10: the raw scores or penalties).
  std::vector<Tensor> trace(std::span<const std::uint8_t> pixels, int width, int height) const;

 private:
  struct Impl;
  explicit Classifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lenet5
