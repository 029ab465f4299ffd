#pragma once
// Error against rejection (the paper's Fig. 10): reject the examples the classifier is least sure of, and
// the error among those it keeps falls. A reader that may answer "not sure" is judged by how much it must
// reject to reach an error it can live with (the paper: 1.8 % of MNIST's test digits for 0.5 % error with
// LeNet-4, 0.5 % with boosted LeNet-4).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace lenet5 {

// Rejecting every example whose score is below `threshold` (as predict --min-confidence rejects a
// confidence below it) leaves the fraction `rejected` rejected and `error`, the fraction of the kept ones
// misclassified.
struct RejectionPoint {
  double rejected = 0;
  double error = 0;
  double threshold = 0;
};

// Every point a threshold can reach, rejecting the lowest scores first: one per distinct score that can
// be the lowest kept, in order of growing rejection, from none rejected (threshold 0) to all but the
// examples with the highest score. Examples with equal scores are kept or rejected together; a threshold
// is halfway between the highest rejected score and the lowest kept one, so that a copy printed with 10
// significant digits still splits them. `scores` (≥ 0: confidences or margins), `predictions` and `labels`
// are one per example (labels as datasets hold them). Throws lenet5::Error when they differ in length, are empty, or a score is negative
// or not a number.
std::vector<RejectionPoint> rejection_curve(std::span<const float> scores, std::span<const int> predictions,
                                            std::span<const std::uint8_t> labels);

// The first point of `curve` whose error is at most `error`: the least rejection that reaches it (0 when the
// error is already that low); nullopt when no threshold reaches it.
std::optional<RejectionPoint> rejection_for(std::span<const RejectionPoint> curve, double error);

}  // namespace lenet5
