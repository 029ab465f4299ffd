#include "lenet5/rejection.hpp"

#include <algorithm>
#include <numeric>

#include "lenet5/error.hpp"

namespace lenet5 {

std::vector<RejectionPoint> rejection_curve(std::span<const float> scores, std::span<const int> predictions,
                                            std::span<const std::uint8_t> labels) {
  if (scores.size() != predictions.size() || scores.size() != labels.size())
    throw Error("rejection curve: " + std::to_string(scores.size()) + " scores, " +
                std::to_string(predictions.size()) + " predictions and " + std::to_string(labels.size()) +
                " labels; they must be one per example");
  if (scores.empty()) throw Error("rejection curve: no examples");
  for (const float score : scores)
    if (!(score >= 0)) throw Error("rejection curve: a score is negative or not a number");
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Ties by index: std::sort with a total order, since GCC 12's stable_sort buffer trips AddressSanitizer's
  // alloc-dealloc check.
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] != scores[b] ? scores[a] < scores[b] : a < b; });

  const auto count = double(scores.size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) wrong += predictions[i] != labels[i];
  std::vector<RejectionPoint> curve{{0.0, double(wrong) / count, 0.0}};
  // Rejecting order[0, k): a threshold can stop there only between two different scores.
  for (std::size_t k = 1; k < order.size(); ++k) {
    const std::size_t rejected = order[k - 1];
    wrong -= predictions[rejected] != labels[rejected];
    const float highest_rejected = scores[rejected], lowest_kept = scores[order[k]];
    if (highest_rejected == lowest_kept) continue;
    curve.push_back({double(k) / count, double(wrong) / double(order.size() - k),
                     (double(highest_rejected) + double(lowest_kept)) / 2});
  }
  return curve;
}

std::optional<RejectionPoint> rejection_for(std::span<const RejectionPoint> curve, double error) {
  const auto reached = std::find_if(curve.begin(), curve.end(), [&](const RejectionPoint& point) { return point.error <= error; });
  if (reached == curve.end()) return std::nullopt;
  return *reached;
}

}  // namespace lenet5
