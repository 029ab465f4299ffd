#include "schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lenet5 {

float learning_rate_at(const TrainOptions& options, long step, long total_steps, int epoch) {
  switch (options.schedule) {
    case Schedule::constant: return options.learning_rate;
    case Schedule::cosine:
      return options.learning_rate * 0.5f *
             float(1.0 + std::cos(std::numbers::pi * double(step) / double(std::max(total_steps, 1L))));
    case Schedule::step: return options.learning_rate * std::pow(0.5f, float(epoch / options.step_epochs));
    case Schedule::paper: {
      // §III-B, by pass (1-based): 1–2, 3–5, 6–8, 9–12, 13 on.
      const int pass = epoch + 1;
      const float factor = pass <= 2 ? 1.0f : pass <= 5 ? 0.4f : pass <= 8 ? 0.2f : pass <= 12 ? 0.1f : 0.02f;
      return options.learning_rate * factor;
    }
  }
  return options.learning_rate;
}

}  // namespace lenet5
