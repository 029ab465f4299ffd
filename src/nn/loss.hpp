#pragma once
// Softmax cross-entropy on logits, with its gradient.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace lenet5::nn {

struct LossResult {
  double sum = 0.0;  // summed over the batch
  int correct = 0;   // argmax == label
};

// grad = (softmax(logits) − onehot(label)) · grad_scale; grad_scale is 1/(global batch) for a mean loss.
template <class T>
LossResult softmax_cross_entropy(const T* logits, const std::uint8_t* labels, int batch, int classes, T grad_scale,
                                 T* grad) {
  LossResult result;
  for (int n = 0; n < batch; ++n) {
    const T* z = logits + std::size_t(n) * classes;
    T* g = grad + std::size_t(n) * classes;
    const int best = static_cast<int>(std::max_element(z, z + classes) - z);
    const T top = z[best];
    T total = 0;
    for (int c = 0; c < classes; ++c) total += (g[c] = std::exp(z[c] - top));
    const int label = labels[n];
    result.sum += double(std::log(total) - (z[label] - top));  // −log softmax(z)[label], overflow-free
    result.correct += best == label;
    for (int c = 0; c < classes; ++c) g[c] = (g[c] / total - T(c == label)) * grad_scale;
  }
  return result;
}

}  // namespace lenet5::nn
