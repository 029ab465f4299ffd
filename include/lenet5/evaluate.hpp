#pragma once
#include <array>
#include <cstddef>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"

namespace lenet5 {

struct Evaluation {
  std::size_t count = 0;
  std::size_t correct = 0;
  double accuracy = 0.0;                                 // correct / count
  std::vector<std::vector<std::size_t>> confusion;       // [true class][predicted class]
  std::vector<double> precision;                         // per class; 0 when the class was never predicted
  std::vector<double> recall;                            // per class; 0 when the class never occurs
  std::vector<int> predictions;                          // per example
  // Per example, how far the winning output is ahead of the runner-up (scores: best − second; RBF
  // penalties: second − best). Rejecting the smallest margins first trades coverage for accuracy (Fig. 10).
  std::vector<float> margins;
  std::vector<float> confidences;  // per example, the winning class's probability (Classifier::classify's)
};

// Classifies every example of `data` with `threads` threads (0 = all cores), through Classifier::predict.
Evaluation evaluate(const Model& model, const Dataset& data, int threads = 0);
Evaluation evaluate(const Classifier& classifier, const Dataset& data, int threads = 0);

}  // namespace lenet5
