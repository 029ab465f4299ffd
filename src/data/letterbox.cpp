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

std::pair<int, int> fitted_size(int width, int height, int box_width, int box_height) {
  const double scale = std::min(double(box_width) / width, double(box_height) / height);
  return {std::clamp(int(std::lround(width * scale)), 1, box_width),
          std::clamp(int(std::lround(height * scale)), 1, box_height)};
}

std::string shrink_to_input(Dataset& data) {
  if (data.rows <= kInputSide && data.cols <= kInputSide) return "";
  const auto [width, height] = fitted_size(data.cols, data.rows, kInputSide, kInputSide);
  std::vector<std::uint8_t> images;
  images.reserve(data.count * std::size_t(data.channels) * width * height);
  for (std::size_t i = 0; i < data.count; ++i) {
    const std::vector<std::uint8_t> image = letterbox(data.image(i).data(), data.channels, data.cols, data.rows, width, height);
    images.insert(images.end(), image.begin(), image.end());
  }
  const std::string said = std::to_string(data.count) + " images of " + std::to_string(data.cols) + "x" +
                           std::to_string(data.rows) + ", larger than LeNet-5's 32x32 input, shrunk to " +
                           std::to_string(width) + "x" + std::to_string(height) + " (area averaging, aspect ratio kept)";
  data.images = std::move(images);
  data.cols = width;
  data.rows = height;
  return said;
}

}  // namespace lenet5
