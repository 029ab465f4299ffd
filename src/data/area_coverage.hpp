#pragma once
// Resampling by area coverage: each target pixel is the mean of the source over the area it covers (MNIST's
// anti-aliasing), shared by prepare_digit's 20×20 box and prepare_plain's letterbox (lenet5/preprocess.hpp).
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace lenet5 {

// How much of the source interval [from, to) each source index covers: (index, overlap) pairs. Indices
// outside [0, size) are left out: they cover background.
inline std::vector<std::pair<int, float>> coverage(float from, float to, int size) {
  std::vector<std::pair<int, float>> parts;
  for (int i = std::max(int(std::floor(from)), 0); i < std::min(int(std::ceil(to)), size); ++i) {
    const float overlap = std::min(to, float(i + 1)) - std::max(from, float(i));
    if (overlap > 0) parts.push_back({i, overlap});
  }
  return parts;
}

// The source pixels before `extent` that centre it in `longer`, rounded down to whole target pixels of
// `step` source pixels each: a fraction of a target pixel would only blur the edges.
inline float centring_margin(int extent, int longer, float step) {
  return std::floor(float(longer - extent) / (2 * step)) * step;
}

}  // namespace lenet5
