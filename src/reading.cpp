#include "lenet5/reading.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lenet5/error.hpp"

namespace lenet5 {

DigitReading read_digit(const Classifier& classifier, const PreparedDigit& prepared) {
  if (!prepared.ink_found) throw Error("there is no digit to read (no ink found)");
  DigitReading reading;
  reading.prepared = prepared;
  const Prediction prediction = classifier.classify(prepared.field.pixels, prepared.field.width, prepared.field.height);
  reading.label = prediction.label;
  reading.probabilities = prediction.probabilities;
  std::vector<float> sorted = prediction.probabilities;
  std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
  reading.confidence = sorted[0];
  reading.margin = sorted[0] - sorted[1];
  return reading;
}

std::vector<DigitReading> read_number(const Classifier& classifier, const Image& picture,
                                      const PrepareOptions& options) {
  std::vector<DigitReading> digits;
  for (const NumberPiece& piece : segment_number(picture, options)) {
    std::vector<DigitReading> best;
    double best_score = -std::numeric_limits<double>::infinity();
    for (const auto& alternative : piece.alternatives) {
      std::vector<DigitReading> readings;
      double score = 0;  // the log of the product of the digits' confidences
      for (const PreparedDigit& prepared : alternative) {
        readings.push_back(read_digit(classifier, prepared));
        score += std::log(std::max(double(readings.back().confidence), 1e-30));
      }
      if (score > best_score) best_score = score, best = std::move(readings);
    }
    digits.insert(digits.end(), best.begin(), best.end());
  }
  return digits;
}

}  // namespace lenet5
