#pragma once
// Activation functions applied in place, and their derivatives expressed through the output y = f(a), so
// backward needs no stored pre-activations.
#include <cmath>
#include <cstddef>
#include <optional>

#include "lenet5/network_spec.hpp"

namespace lenet5::nn {

// The paper's squashing function f(a) = A·tanh(S·a), A = 1.7159, S = 2/3 (eq. 6, App. A): f(±1) = ±1.
inline constexpr double kTanhAmplitude = 1.7159;
inline constexpr double kTanhSlope = 2.0 / 3.0;

template <class T>
void activate(const std::optional<Activation>& activation, T* x, std::size_t n) {
  if (!activation) return;
  switch (*activation) {
    case Activation::relu:
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > T(0) ? x[i] : T(0);
      break;
    case Activation::scaled_tanh:
      for (std::size_t i = 0; i < n; ++i) x[i] = T(kTanhAmplitude) * std::tanh(T(kTanhSlope) * x[i]);
      break;
    case Activation::logistic:
      for (std::size_t i = 0; i < n; ++i) x[i] = T(1) / (T(1) + std::exp(-x[i]));
      break;
  }
}

// grad[i] *= f′(a_i) — or f′(a_i)² for a Gauss-Newton curvature pass — with f′ written in terms of
// y_i = f(a_i).
template <class T>
void activation_backward(const std::optional<Activation>& activation, const T* y, T* grad, std::size_t n,
                         bool squared = false) {
  if (!activation) return;
  const auto scale = [&](auto derivative) {
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) {
      const T d = derivative(y[i]);
      grad[i] *= squared ? d * d : d;
    }
  };
  switch (*activation) {
    case Activation::relu:
      scale([](T out) { return out > T(0) ? T(1) : T(0); });
      break;
    case Activation::scaled_tanh: {
      // f′(a) = A·S·(1 − tanh²(S·a)) = (S/A)·(A² − y²)
      const T ratio = T(kTanhSlope / kTanhAmplitude), amplitude2 = T(kTanhAmplitude * kTanhAmplitude);
      scale([&](T out) { return ratio * (amplitude2 - out * out); });
      break;
    }
    case Activation::logistic:
      scale([](T out) { return out * (T(1) - out); });
      break;
  }
}

}  // namespace lenet5::nn
