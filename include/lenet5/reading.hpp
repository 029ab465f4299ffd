#pragma once
// Reading a person's picture: a digit, or a whole number, prepared as MNIST's digits were
// (lenet5/preprocess.hpp) and classified.
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/preprocess.hpp"

namespace lenet5 {

struct DigitReading {
  PreparedDigit prepared;
  int label = -1;                   // the most probable class
  std::vector<float> probabilities;  // one per class
  float confidence = 0;              // the top probability
  float margin = 0;                  // the top probability minus the second
};

// The classifier's reading of a prepared digit (which must have ink).
DigitReading read_digit(const Classifier& classifier, const PreparedDigit& prepared);

// The number written in the picture, its digits left to right (none on a blank page). Where a piece of
// ink may be touching digits (segment_number's alternatives), the reading whose digits' confidences
// multiply to the most wins (each confidence is at most 1, so a cut must make both sides surer than the
// whole): segmentation by recognition, as the paper reads strings (§V–VI), over a few heuristic cuts
// rather than a searched graph. A prior against cuts, tuned on numbers made of held-out training digits,
// only did worse.
std::vector<DigitReading> read_number(const Classifier& classifier, const Image& picture,
                                      const PrepareOptions& options = {});

}  // namespace lenet5
