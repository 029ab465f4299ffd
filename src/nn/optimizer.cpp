#include "nn/optimizer.hpp"

#include <cmath>
#include <vector>

namespace lenet5::nn {
namespace {

class SgdMomentum final : public Optimizer {
 public:
  SgdMomentum(std::size_t count, float momentum, float weight_decay)
      : velocity_(count, 0.0f), momentum_(momentum), weight_decay_(weight_decay) {}

  void step(std::span<float> parameters, std::span<const float> grad, float learning_rate) override {
#pragma omp simd
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      velocity_[i] = momentum_ * velocity_[i] + grad[i] + weight_decay_ * parameters[i];
      parameters[i] -= learning_rate * velocity_[i];
    }
  }

 private:
  std::vector<float> velocity_;
  float momentum_, weight_decay_;
};

class Adam final : public Optimizer {
 public:
  Adam(std::size_t count, float weight_decay) : first_(count, 0.0f), second_(count, 0.0f), weight_decay_(weight_decay) {}

  void step(std::span<float> parameters, std::span<const float> grad, float learning_rate) override {
    constexpr float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
    ++steps_;
    const float correction1 = 1.0f - std::pow(beta1, float(steps_));
    const float root_correction2 = std::sqrt(1.0f - std::pow(beta2, float(steps_)));
    const float step_size = learning_rate / correction1;
#pragma omp simd
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const float g = grad[i] + weight_decay_ * parameters[i];
      first_[i] = beta1 * first_[i] + (1.0f - beta1) * g;
      second_[i] = beta2 * second_[i] + (1.0f - beta2) * g * g;
      parameters[i] -= step_size * first_[i] / (std::sqrt(second_[i]) / root_correction2 + epsilon);
    }
  }

 private:
  std::vector<float> first_, second_;
  float weight_decay_;
  long steps_ = 0;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const TrainOptions& options, std::size_t parameter_count) {
  if (options.optimizer == OptimizerKind::sgd)
    return std::make_unique<SgdMomentum>(parameter_count, options.momentum, options.weight_decay);
  return std::make_unique<Adam>(parameter_count, options.weight_decay);
}

}  // namespace lenet5::nn
