#pragma once
// Update rules over the one flat parameter buffer. Training threads each leave a gradient for their share of
// the batch; the optimizer sums them in thread order (so the result never depends on timing) and applies
// its rule, each pool thread taking a fixed range of parameters.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/thread_pool.hpp"
#include "lenet5/train.hpp"

namespace lenet5::nn {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // gradients[t] is thread t's share; their sum is the batch's mean gradient. gradients[0] is overwritten.
  void step(std::span<float> parameters, std::span<float* const> gradients, float learning_rate, ThreadPool& pool);
  // Whether the optimizer wants each parameter's mean second derivative (set_curvature) before each pass.
  virtual bool needs_curvature() const { return false; }
  virtual void set_curvature(std::span<const float>) {}
  // What it carries from one step to the next, to continue a run where it stopped (docs/training.md).
  OptimizerState state();
  // Throws lenet5::Error when `state` is not the state of this optimizer for this many parameters.
  void restore(const OptimizerState& state);

 protected:
  std::uint64_t steps() const { return steps_; }  // taken so far, the one being taken included
  // The rule's buffers that outlive a step, each one value per parameter.
  virtual std::vector<std::vector<float>*> buffers() { return {}; }
  virtual void begin_step() {}
  // Applies the rule to parameters [begin, end) given the summed gradient.
  virtual void update(float* parameters, const float* grad, float learning_rate, std::size_t begin,
                      std::size_t end) = 0;

 private:
  std::uint64_t steps_ = 0;
};

// SGD with momentum (PyTorch's form: v ← μv + g, w ← w − lr·v), Adam (Kingma & Ba, bias-corrected) or
// SDLM (App. C, eq. 21: w ← w − lr/(μ + h)·g); weight decay is added to the gradient (L2) for all three.
std::unique_ptr<Optimizer> make_optimizer(const TrainOptions& options, std::size_t parameter_count);

}  // namespace lenet5::nn
