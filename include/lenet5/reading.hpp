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

// The number written in the picture, its digits left to right (none on a blank page): segmentation by
// recognition, as the paper reads strings (§VI): of all paths through segment_number's graph, the one whose
// digits' confidences times the splits' priors multiply to the most.
std::vector<DigitReading> read_number(const Classifier& classifier, const Image& picture,
                                      const PrepareOptions& options = {});

}  // namespace lenet5
