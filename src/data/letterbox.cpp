#include "data/letterbox.hpp"

#include <algorithm>
#include <cmath>

#include "data/area_coverage.hpp"

namespace lenet5 {

std::vector<std::uint8_t> letterbox(const std::uint8_t* planes, int channels, int width, int height, int frame_width,
                                    int frame_height, bool invert) {
  // Frame pixel (u, v) covers the picture's [left + u·step, left + (u + 1)·step) × [top + v·step, …): the
  // side that fills the frame spans it, the other is centred, and what lies outside the picture is background.
  const float step = std::max(float(width) / float(frame_width), float(height) / float(frame_height));
  // The margins are whole frame pixels (centring_margin's reason).
  const auto margin = [&](int extent, int frame) { return std::floor((float(frame) * step - float(extent)) / (2 * step)) * step; };
  const float left = -margin(width, frame_width), top = -margin(height, frame_height);
  const std::size_t plane = std::size_t(width) * height, frame = std::size_t(frame_width) * frame_height;
  std::vector<std::uint8_t> out(std::size_t(channels) * frame, 0);
  std::vector<float> rows(std::size_t(frame_height) * width);
  for (int c = 0; c < channels; ++c) {
    const std::uint8_t* source = planes + std::size_t(c) * plane;
    // Rows first (each frame row's weighted sum down every picture column), then across the columns: every
    // picture pixel is read once or twice, however large the picture.
    std::fill(rows.begin(), rows.end(), 0.0f);
    for (int v = 0; v < frame_height; ++v) {
      float* row = &rows[std::size_t(v) * width];
      for (const auto& [y, wy] : coverage(top + float(v) * step, top + float(v + 1) * step, height)) {
        const std::uint8_t* line = source + std::size_t(y) * width;
        for (int x = 0; x < width; ++x) row[x] += wy * float(invert ? 255 - line[x] : line[x]);
      }
    }
    std::uint8_t* target = out.data() + std::size_t(c) * frame;
    for (int u = 0; u < frame_width; ++u) {
      const auto columns = coverage(left + float(u) * step, left + float(u + 1) * step, width);
      for (int v = 0; v < frame_height; ++v) {
        float sum = 0;
        for (const auto& [x, wx] : columns) sum += wx * rows[std::size_t(v) * width + x];
        target[std::size_t(v) * frame_width + u] = static_cast<std::uint8_t>(std::lround(std::min(sum / (step * step), 255.0f)));
      }
    }
  }
  return out;
}

}  // namespace lenet5
