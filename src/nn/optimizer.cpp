#include "nn/optimizer.hpp"

#include <cmath>
#include <vector>

namespace lenet5::nn {

void Optimizer::step(std::span<float> parameters, std::span<float* const> gradients, float learning_rate,
                     ThreadPool& pool) {
  begin_step();
  pool.run([&](int task) {
    const std::size_t begin = parameters.size() * task / pool.size();
    const std::size_t end = parameters.size() * (task + 1) / pool.size();
    float* __restrict sum = gradients[0];
    for (std::size_t t = 1; t < gradients.size(); ++t) {
      const float* __restrict share = gradients[t];
#pragma omp simd
      for (std::size_t i = begin; i < end; ++i) sum[i] += share[i];
    }
    update(parameters.data(), sum, learning_rate, begin, end);
  });
}

namespace {

class SgdMomentum final : public Optimizer {
 public:
  SgdMomentum(std::size_t count, float momentum, float weight_decay)
      : velocity_(count, 0.0f), momentum_(momentum), weight_decay_(weight_decay) {}

 private:
  void update(float* __restrict parameters, const float* __restrict grad, float learning_rate, std::size_t begin,
              std::size_t end) override {
    float* __restrict velocity = velocity_.data();
#pragma omp simd
    for (std::size_t i = begin; i < end; ++i) {
      velocity[i] = momentum_ * velocity[i] + grad[i] + weight_decay_ * parameters[i];
      parameters[i] -= learning_rate * velocity[i];
    }
  }

  std::vector<float> velocity_;
  float momentum_, weight_decay_;
};

class Adam final : public Optimizer {
 public:
  Adam(std::size_t count, float weight_decay) : first_(count, 0.0f), second_(count, 0.0f), weight_decay_(weight_decay) {}

 private:
  static constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEpsilon = 1e-8f;

  void begin_step() override {
    ++steps_;
    correction1_ = 1.0f - std::pow(kBeta1, float(steps_));
    root_correction2_ = std::sqrt(1.0f - std::pow(kBeta2, float(steps_)));
  }

  void update(float* __restrict parameters, const float* __restrict grad, float learning_rate, std::size_t begin,
              std::size_t end) override {
    float* __restrict first = first_.data();
    float* __restrict second = second_.data();
    const float step_size = learning_rate / correction1_;
#pragma omp simd
    for (std::size_t i = begin; i < end; ++i) {
      const float g = grad[i] + weight_decay_ * parameters[i];
      first[i] = kBeta1 * first[i] + (1.0f - kBeta1) * g;
      second[i] = kBeta2 * second[i] + (1.0f - kBeta2) * g * g;
      parameters[i] -= step_size * first[i] / (std::sqrt(second[i]) / root_correction2_ + kEpsilon);
    }
  }

  std::vector<float> first_, second_;
  float weight_decay_;
  long steps_ = 0;
  float correction1_ = 1.0f, root_correction2_ = 1.0f;
};

// Stochastic diagonal Levenberg-Marquardt (App. C): a per-parameter step η/(μ + h_kk) (eq. 21), the h_kk
// fixed during a pass.
class Sdlm final : public Optimizer {
 public:
  Sdlm(std::size_t count, float mu, float weight_decay) : step_(count, 0.0f), mu_(mu), weight_decay_(weight_decay) {}

  bool needs_curvature() const override { return true; }
  void set_curvature(std::span<const float> curvature) override {
    for (std::size_t i = 0; i < step_.size(); ++i) step_[i] = 1.0f / (mu_ + curvature[i]);
  }

 private:
  void update(float* __restrict parameters, const float* __restrict grad, float learning_rate, std::size_t begin,
              std::size_t end) override {
    const float* __restrict step = step_.data();
#pragma omp simd
    for (std::size_t i = begin; i < end; ++i)
      parameters[i] -= learning_rate * step[i] * (grad[i] + weight_decay_ * parameters[i]);
  }

  std::vector<float> step_;  // 1/(μ + h_kk)
  float mu_, weight_decay_;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const TrainOptions& options, std::size_t parameter_count) {
  if (options.optimizer == OptimizerKind::sgd)
    return std::make_unique<SgdMomentum>(parameter_count, options.momentum, options.weight_decay);
  if (options.optimizer == OptimizerKind::sdlm)
    return std::make_unique<Sdlm>(parameter_count, options.sdlm_mu, options.weight_decay);
  return std::make_unique<Adam>(parameter_count, options.weight_decay);
}

}  // namespace lenet5::nn
