// The confusion matrix as a heatmap.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "figures/canvas.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

Figure confusion_figure(const Evaluation& evaluation, const std::vector<std::string>& class_names,
                        const std::string& model, const std::string& data) {
  const std::vector<std::vector<std::size_t>>& confusion = evaluation.confusion;
  const int classes = int(confusion.size());
  if (classes == 0 || class_names.size() != confusion.size())
    throw Error("confusion figure: " + std::to_string(class_names.size()) + " class names for a " +
                std::to_string(classes) + "-class confusion matrix");
  std::size_t largest = 1;
  for (const auto& row : confusion) largest = std::max(largest, *std::max_element(row.begin(), row.end()));

  // Counts span 0 to thousands, mistakes are a handful: a logarithmic scale, log10(1 + count), shows both.
  const auto position = [](double count) { return std::log10(1 + count); };
  const ColourScale scale = sequential_scale(0, position(double(largest)));
  const TextStyle count_style{kSmallSize, false, Align::centre};
  const TextStyle name_style{kLabelSize};
  double widest_name = 0;
  for (const std::string& name : class_names) widest_name = std::max(widest_name, text_width(name, name_style));
  const int cell = int(std::ceil(std::max(44.0, text_width(thousands(largest), count_style) + 12)));
  // Column names stand upright when they are wider than a cell.
  const bool upright = widest_name > cell - 6;
  const double column_names_height = upright ? widest_name + 8 : 22;

  const std::string title = "Confusion matrix: " + model + " on " + data;
  const std::string subtitle = thousands(evaluation.correct) + " of " + thousands(evaluation.count) + " correct (" +
                               percent(evaluation.accuracy, 2) + "); rows: true class, columns: predicted class";
  const int margin = 20;
  const int grid_left = int(std::ceil(margin + 26 + widest_name + 10));
  const int grid_top = int(std::ceil(70 + 24 + column_names_height));
  const int grid_size = classes * cell;
  const int legend_top = grid_top + grid_size + 36;
  const int width = int(std::ceil(std::max({double(grid_left + grid_size + margin), text_width(title, {kTitleSize, true}) + 2 * margin,
                                           text_width(subtitle) + 2 * margin, grid_left + 300.0})));
  const int height = legend_top + 48;

  std::vector<FigureRegion> regions;
  for (int row = 0; row < classes; ++row)
    for (int column = 0; column < classes; ++column)
      regions.push_back({"cell " + std::to_string(row) + " " + std::to_string(column), grid_left + column * cell,
                         grid_top + row * cell, cell, cell});

  return make_figure(width, height, regions, [=](Canvas& canvas) {
    canvas.text(margin, 32, title, {kTitleSize, true});
    canvas.text(margin, 56, subtitle);
    canvas.text(grid_left + grid_size / 2.0, 88, "predicted class", {kLabelSize, true, Align::centre});
    canvas.text(margin + 14, grid_top + grid_size / 2.0, "true class",
                {kLabelSize, true, Align::centre, kText, std::numbers::pi / 2});
    for (int c = 0; c < classes; ++c) {
      const double centre = grid_top + (c + 0.5) * cell;
      canvas.text(grid_left - 8, centre + 5, class_names[c], {kLabelSize, false, Align::right});
      const double column_centre = grid_left + (c + 0.5) * cell;
      if (upright)
        canvas.text(column_centre + 5, grid_top - 8, class_names[c], {kLabelSize, false, Align::left, kText, std::numbers::pi / 2});
      else
        canvas.text(column_centre, grid_top - 8, class_names[c], {kLabelSize, false, Align::centre});
    }
    for (int row = 0; row < classes; ++row)
      for (int column = 0; column < classes; ++column) {
        const std::size_t count = confusion[row][column];
        const double x = grid_left + column * cell, y = grid_top + row * cell;
        canvas.fill_rect(x, y, cell, cell, scale(position(double(count))));
        const bool dark = position(double(count)) > 0.55 * scale.high;
        canvas.text(x + cell / 2.0, y + cell / 2.0 + 4, thousands(count),
                    {kSmallSize, false, Align::centre, dark ? kWhite : count == 0 ? kAxis : kText});
      }
    canvas.stroke_rect(grid_left, grid_top, grid_size, grid_size, kAxis);
    std::vector<double> ticks;
    for (double count = 0; count <= double(largest); count = count == 0 ? 10 : count * 10) ticks.push_back(position(count));
    canvas.colour_bar(grid_left, legend_top, 280, 12, scale, "count (logarithmic colour scale)",
                      [](double at) { return thousands(std::size_t(std::lround(std::pow(10.0, at) - 1))); }, ticks);
  });
}

}  // namespace lenet5
