#pragma once
// Activation functions applied in place, and their derivatives expressed through the output y = f(a), so
// backward needs no stored pre-activations.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "core/bit_cast.hpp"
#include "lenet5/network_spec.hpp"

namespace lenet5::nn {

// The paper's squashing function f(a) = A·tanh(S·a), A = 1.7159, S = 2/3 (eq. 6, App. A): f(±1) = ±1.
inline constexpr double kTanhAmplitude = 1.7159;
inline constexpr double kTanhSlope = 2.0 / 3.0;

// tanh in float arithmetic only (no libm call), so that loops over it vectorise: the classic preset's
// squashing units otherwise spend most of its training time in scalar tanhf. Within 4 float ulps of
// std::tanh (a test checks it over [−20, 20]): an odd Taylor polynomial below |z| = 0.55 (next term
// < 3·10⁻⁸), else (1 − e)/(1 + e) with e = exp(−2|z|) ≤ 1/3 (no cancellation) from a degree-6 polynomial
// on the reduced argument.
inline float tanh_float(float z) {
  const float a = std::fabs(z), z2 = z * z;
  const float small =
      z * (1.0f + z2 * (-1.0f / 3 + z2 * (2.0f / 15 + z2 * (-17.0f / 315 + z2 * (62.0f / 2835 +
           z2 * (-1382.0f / 155925 + z2 * (21844.0f / 6081075 + z2 * -1.45583e-3f)))))));
  // e = 2^k · exp(r), x = k·ln2 + r, |r| ≤ ln2/2; x ≥ −87 keeps 2^k a normal float (and tanh = 1 there).
  const float x = a < 43.5f ? -2.0f * a : -87.0f;  // (std::fmax would be a libm call: it orders NaNs)
  // k = round(x / ln2) by the 1.5·2²³ trick: std::floor does not vectorise without -fno-trapping-math.
  constexpr float kRound = 12582912.0f;
  const float k = (x * 1.44269504f + kRound) - kRound;
  const float r = (x - k * 0.693145752f) - k * 1.42860677e-6f;
  const float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
  const float e = p * bit_cast<float>(static_cast<std::int32_t>(k + 127.0f) << 23);
  const float large = std::copysign((1.0f - e) / (1.0f + e), z);
  return !(a >= 0.55f) ? small : large;  // a NaN takes the polynomial, and stays NaN (divergence is noticed)
}

template <class T>
void activate(const std::optional<Activation>& activation, T* x, std::size_t n) {
  if (!activation) return;
  switch (*activation) {
    case Activation::relu:
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > T(0) ? x[i] : T(0);
      break;
    case Activation::scaled_tanh:
      if constexpr (std::is_same_v<T, float>) {
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i) x[i] = float(kTanhAmplitude) * tanh_float(float(kTanhSlope) * x[i]);
      } else {
        for (std::size_t i = 0; i < n; ++i) x[i] = T(kTanhAmplitude) * std::tanh(T(kTanhSlope) * x[i]);
      }
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
