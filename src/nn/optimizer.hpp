#pragma once
// Update rules over the one flat parameter buffer: each is one loop over all parameters.
#include <cstddef>
#include <memory>
#include <span>

#include "lenet5/train.hpp"

namespace lenet5::nn {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // grad is the mean gradient of the batch.
  virtual void step(std::span<float> parameters, std::span<const float> grad, float learning_rate) = 0;
};

// SGD with momentum (PyTorch's form: v ← μv + g, w ← w − lr·v) or Adam (Kingma & Ba, bias-corrected);
// weight decay is added to the gradient (L2) for both.
std::unique_ptr<Optimizer> make_optimizer(const TrainOptions& options, std::size_t parameter_count);

}  // namespace lenet5::nn
