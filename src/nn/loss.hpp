#pragma once
// The losses (§II-C), with their first derivatives and the Gauss-Newton second derivatives that the SDLM
// optimizer needs. Scores (softmax cross-entropy) are better when higher; RBF penalties (mse, map) when lower.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "lenet5/network_spec.hpp"

namespace lenet5::nn {

struct LossResult {
  double sum = 0.0;  // summed over the batch
  int correct = 0;   // predicted class == label
};

// The predicted class: the highest score, or the smallest penalty; the first one on ties.
template <class T>
int predicted_class(const T* outputs, int classes, bool penalties) {
  return static_cast<int>((penalties ? std::min_element(outputs, outputs + classes)
                                     : std::max_element(outputs, outputs + classes)) - outputs);
}

// Writes grad = dE/d(output) · grad_scale (grad_scale is 1/(global batch) for a mean loss) and, when
// `curvature` is given, its Gauss-Newton ∂²E/∂output² · grad_scale (the diagonal of the Hessian of the
// log-sum-exp, p(1 − p) ≥ 0; zero for mse, whose curvature lies in the RBF layer itself).
template <class T>
LossResult compute_loss(LossKind kind, float map_constant, const T* outputs, const std::uint8_t* labels, int batch,
                        int classes, T grad_scale, T* grad, T* curvature = nullptr) {
  LossResult result;
  const bool penalties = kind != LossKind::softmax_cross_entropy;
  for (int n = 0; n < batch; ++n) {
    const T* y = outputs + std::size_t(n) * classes;
    T* g = grad + std::size_t(n) * classes;
    T* h = curvature ? curvature + std::size_t(n) * classes : nullptr;
    const int label = labels[n];
    result.correct += predicted_class(y, classes, penalties) == label;
    if (kind == LossKind::mse) {
      // eq. 8: E = y_D (nothing for an example of no class: the criterion has no term for one; training
      // refuses them, and SDLM's curvature pass takes none from them).
      const bool labelled = label < classes;
      if (labelled) result.sum += double(y[label]);
      for (int c = 0; c < classes; ++c) {
        g[c] = c == label ? grad_scale : T(0);
        if (h) h[c] = T(0);
      }
      continue;
    }
    // softmax cross-entropy: E = −z_D + log Σ e^{z_i};  map (eq. 9): E = y_D + log(e^{−j} + Σ e^{−y_i}).
    // Both are a log-sum-exp of s = z or s = −y (plus e^{−j}); p_i = e^{s_i}/Σ, computed against the max.
    const T sign = penalties ? T(-1) : T(1);
    T top = sign * y[0];
    for (int c = 1; c < classes; ++c) top = std::max(top, sign * y[c]);
    if (kind == LossKind::map) top = std::max(top, T(-map_constant));
    T total = kind == LossKind::map ? std::exp(T(-map_constant) - top) : T(0);
    for (int c = 0; c < classes; ++c) total += (g[c] = std::exp(sign * y[c] - top));
    // E = log Σ − s_target, the target the class's score s_D, or for an example of no class (a touching pair,
    // data/touching_pairs.hpp) none of them: the mean score (a uniform softmax target) or MAP's rubbish
    // class, s = −j (every penalty pushed up).
    const T log_total = top + std::log(total);
    const bool labelled = label < classes;
    const T uniform = T(1) / T(classes);
    T target_score = labelled ? sign * y[label] : T(-map_constant);
    if (!labelled && !penalties) {
      target_score = 0;
      for (int c = 0; c < classes; ++c) target_score += y[c] * uniform;
    }
    result.sum += double(log_total - target_score);
    for (int c = 0; c < classes; ++c) {
      const T p = g[c] / total;
      const T target = labelled ? T(c == label) : penalties ? T(0) : uniform;
      // softmax: dE/dz_i = p_i − t_i;  map: dE/dy_i = t_i − p_i
      g[c] = sign * (p - target) * grad_scale;
      if (h) h[c] = p * (T(1) - p) * grad_scale;
    }
  }
  return result;
}

}  // namespace lenet5::nn
