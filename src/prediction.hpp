#pragma once
// Batched inference over a whole dataset, shared by evaluation and training's per-epoch test.
#include <vector>

#include "core/thread_pool.hpp"
#include "lenet5/dataset.hpp"
#include "nn/network.hpp"

namespace lenet5 {

// The predicted class (argmax of the outputs) of every example, computed in chunks spread over the pool.
std::vector<int> predict_dataset(const nn::Network<float>& network, const float* parameters, const Dataset& data,
                                 ThreadPool& pool);


}  // namespace lenet5
