// The misclassified examples (the paper's Fig. 8).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "figures/canvas.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

namespace {

constexpr int kMaxRowWidth = 960;

// Example `index` as RGB bytes, drawn as on paper: a grey image's ink dark on white, a colour one as it is.
std::vector<std::uint8_t> rgb_of(const Dataset& data, std::size_t index) {
  const std::size_t plane = std::size_t(data.rows) * data.cols;
  const std::span<const std::uint8_t> image = data.image(index);
  std::vector<std::uint8_t> rgb(plane * 3);
  for (std::size_t p = 0; p < plane; ++p)
    for (int c = 0; c < 3; ++c)
      rgb[p * 3 + c] = data.channels == 1 ? std::uint8_t(255 - image[p]) : image[std::size_t(c) * plane + p];
  return rgb;
}

}  // namespace

Figure errors_figure(const Dataset& data, const Evaluation& evaluation, std::size_t limit, const std::string& model,
                     const std::string& description) {
  data.check_consistent("errors figure");
  if (evaluation.predictions.size() != data.count || evaluation.confidences.size() != data.count ||
      evaluation.margins.size() != data.count)
    throw Error("errors figure: the evaluation is not of this dataset");
  if (data.channels != 1 && data.channels != 3) throw Error("errors figure: images of 1 or 3 channels only");
  std::vector<std::size_t> wrong;
  for (std::size_t i = 0; i < data.count; ++i)
    if (evaluation.predictions[i] != data.labels[i]) wrong.push_back(i);
  // Most confident first; where confidences tie (a saturated softmax reads 1), the larger margin first, then
  // test order (std::sort with a total order: GCC 12's stable_sort buffer trips AddressSanitizer).
  std::sort(wrong.begin(), wrong.end(), [&](std::size_t a, std::size_t b) {
    if (evaluation.confidences[a] != evaluation.confidences[b]) return evaluation.confidences[a] > evaluation.confidences[b];
    if (evaluation.margins[a] != evaluation.margins[b]) return evaluation.margins[a] > evaluation.margins[b];
    return a < b;
  });
  const std::size_t mistakes = wrong.size();
  if (limit > 0 && wrong.size() > limit) wrong.resize(limit);

  const std::vector<std::string>& names = data.classes;
  const auto caption = [&](std::size_t i) { return names[data.labels[i]] + "\u2192" + names[std::size_t(evaluation.predictions[i])]; };
  const int scale = std::max(1, 56 / std::max(data.rows, data.cols));
  double widest = 0;
  for (const std::size_t i : wrong) widest = std::max(widest, text_width(caption(i), {kSmallSize, true}));
  const int tile_width = int(std::ceil(std::max({double(data.cols * scale), widest, text_width("100.0 %", {kSmallSize})}))) + 12;
  const int tile_height = data.rows * scale + 40;
  const int columns = int(std::max<std::size_t>(1, std::min<std::size_t>(wrong.size(), kMaxRowWidth / tile_width)));
  const int rows = int((wrong.size() + columns - 1) / columns);

  const int margin = 20, grid_top = 80;
  std::string title = "The " + std::to_string(mistakes) + (mistakes == 1 ? " mistake of " : " mistakes of ") + model + " on " + description;
  if (wrong.size() < mistakes) title += ", the " + std::to_string(wrong.size()) + " most confident shown";
  const std::string subtitle = mistakes == 0 ? "none" : "most confident mistakes first; under each: true\u2192predicted class and the confidence";
  const int width = int(std::ceil(std::max({double(2 * margin + columns * tile_width), text_width(title, {kTitleSize, true}) + 2 * margin,
                                           text_width(subtitle) + 2 * margin})));
  const int height = grid_top + rows * tile_height + 10;

  std::vector<FigureRegion> regions;
  std::vector<std::vector<std::uint8_t>> images;
  std::vector<std::string> captions, confidences;
  for (std::size_t n = 0; n < wrong.size(); ++n) {
    const int x = margin + int(n % columns) * tile_width, y = grid_top + int(n / columns) * tile_height;
    regions.push_back({"tile " + std::to_string(n), x, y, tile_width, tile_height});
    images.push_back(rgb_of(data, wrong[n]));
    captions.push_back(caption(wrong[n]));
    confidences.push_back(probability(evaluation.confidences[wrong[n]]));
  }
  const int image_rows = data.rows, image_columns = data.cols;

  return make_figure(width, height, regions, [=](Canvas& canvas) {
    canvas.text(margin, 32, title, {kTitleSize, true});
    canvas.text(margin, 56, subtitle);
    for (std::size_t n = 0; n < regions.size(); ++n) {
      const FigureRegion& tile = regions[n];
      const int x = tile.x + (tile_width - image_columns * scale) / 2;
      canvas.rgb_cells(images[n].data(), image_rows, image_columns, x, tile.y, scale);
      canvas.stroke_rect(x - 0.5, tile.y - 0.5, image_columns * scale + 1, image_rows * scale + 1, kGrid);
      const double centre = tile.x + tile_width / 2.0, below = tile.y + image_rows * scale;
      canvas.text(centre, below + 16, captions[n], {kSmallSize, true, Align::centre});
      canvas.text(centre, below + 31, confidences[n], {kSmallSize, false, Align::centre});
    }
  });
}

}  // namespace lenet5
