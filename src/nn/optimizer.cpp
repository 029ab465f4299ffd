#include "nn/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "lenet5/error.hpp"

namespace lenet5::nn {

void Optimizer::step(std::span<float> parameters, std::span<float* const> gradients, float learning_rate,
                     ThreadPool& pool) {
  ++steps_;
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

OptimizerState Optimizer::state() {
  OptimizerState state{{}, steps_};
  for (const std::vector<float>* buffer : buffers())
    state.buffers.insert(state.buffers.end(), buffer->begin(), buffer->end());
  return state;
}

void Optimizer::restore(const OptimizerState& state) {
  std::size_t size = 0;
  for (const std::vector<float>* buffer : buffers()) size += buffer->size();
  if (state.buffers.size() != size)
    throw Error("the optimizer's state has " + std::to_string(state.buffers.size()) + " values where it needs " +
                std::to_string(size));
  auto from = state.buffers.begin();
  for (std::vector<float>* buffer : buffers()) {
    std::copy_n(from, buffer->size(), buffer->begin());
    from += static_cast<std::ptrdiff_t>(buffer->size());
  }
  steps_ = state.steps;
}

namespace {

class SgdMomentum final : public Optimizer {
 public:
  SgdMomentum(std::size_t count, float momentum, float weight_decay)
      : velocity_(count, 0.0f), momentum_(momentum), weight_decay_(weight_decay) {}

 private:
  std::vector<std::vector<float>*> buffers() override { return {&velocity_}; }

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

  std::vector<std::vector<float>*> buffers() override { return {&first_, &second_}; }

  void begin_step() override {
    correction1_ = 1.0f - std::pow(kBeta1, float(steps()));
    root_correction2_ = std::sqrt(1.0f - std::pow(kBeta2, float(steps())));
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
  float correction1_ = 1.0f, root_correction2_ = 1.0f;
};

// Stochastic diagonal Levenberg-Marquardt (App. C): a per-parameter step η/(μ + h_kk) (eq. 21), the h_kk
// fixed during a pass. It carries nothing across passes: the trainer re-estimates h_kk before each.
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
