#pragma once
// The learning rate a TrainOptions::schedule gives each step (its meanings are in lenet5/train.hpp). Internal:
// the trainer's, and the tests'.
#include "lenet5/train.hpp"

namespace lenet5 {

// The rate for step `step` (0-based, of `total_steps` in the whole run) in epoch `epoch` (0-based).
float learning_rate_at(const TrainOptions& options, long step, long total_steps, int epoch);

}  // namespace lenet5
