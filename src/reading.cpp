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
  const NumberLayout layout = segment_number(picture, options);
  // best[k]: the best reading of pieces [0, k), by its score (log prior + log confidences). A piece no span
  // can read (none: every piece has ink) would be passed over rather than lose the whole number.
  struct Path {
    double score = -std::numeric_limits<double>::infinity();
    std::vector<DigitReading> digits;
  };
  std::vector<Path> best(std::size_t(layout.pieces) + 1);
  best[0].score = 0;
  for (int end = 1; end <= layout.pieces; ++end) {
    Path& path = best[std::size_t(end)];
    for (const NumberSpan& span : layout.spans) {
      const Path& before = best[std::size_t(span.first)];
      if (span.last + 1 != end || !std::isfinite(before.score)) continue;
      for (const InkSplit& split : span.splits) {
        double score = before.score + split.log_prior;
        std::vector<DigitReading> digits = before.digits;
        for (const PreparedDigit& prepared : split.digits) {
          digits.push_back(read_digit(classifier, prepared));
          score += std::log(std::max(double(digits.back().confidence), 1e-30));
        }
        if (score > path.score) path = {score, std::move(digits)};
      }
    }
    if (!std::isfinite(path.score)) path = best[std::size_t(end) - 1];
  }
  return best.back().digits;
}

}  // namespace lenet5
