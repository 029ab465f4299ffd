#pragma once
// Batched inference over a whole dataset, shared by evaluation and training's per-epoch test.
#include <vector>

#include "core/thread_pool.hpp"
#include "lenet5/dataset.hpp"
#include "nn/network.hpp"

namespace lenet5 {

struct DatasetPredictions {
  std::vector<int> classes;     // the predicted class of every example
  std::vector<float> margins;   // how far the best output is ahead of the runner-up (≥ 0)
};

// Predictions for every example (the highest score, or the smallest RBF penalty), computed in chunks spread
// over the pool.
DatasetPredictions predict_dataset(const nn::Network<float>& network, const float* parameters, const Dataset& data,
                                   ThreadPool& pool);

}  // namespace lenet5
