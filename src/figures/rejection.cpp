// Error against rejection (the paper's Fig. 10).
#include <algorithm>
#include <cmath>

#include "figures/chart.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

namespace {

// The errors whose rejection the figure marks: the paper's 0.5 % and a stricter 0.1 %.
constexpr double kMarkedErrors[] = {0.005, 0.001};

}  // namespace

Figure rejection_figure(const std::vector<RejectionSeries>& series, const std::string& ranking, const std::string& data) {
  if (series.empty()) throw Error("rejection figure: no curves");
  double highest_error = 0.005, furthest = 0.02;
  for (const RejectionSeries& one : series) {
    if (one.curve.empty()) throw Error("rejection figure: an empty curve for " + one.label);
    highest_error = std::max(highest_error, one.curve.front().error);
    for (const double error : kMarkedErrors)
      if (const auto reached = rejection_for(one.curve, error)) furthest = std::max(furthest, 1.25 * reached->rejected);
  }
  furthest = std::min(furthest, 1.0);
  const auto percent_label = [](double value) { return significant(value, 3); };
  const Axis rejected = linear_axis(0, 100 * furthest, 6, "rejected (% of the images, " + ranking + " first)", percent_label);
  const Axis error = linear_axis(0, 100 * highest_error * 1.05, 6, "error among the accepted images (%)", percent_label);
  const double margin = 20, top = 84;
  Plot plot{margin + 70, top, 620, 380, rejected, error};

  std::vector<LegendEntry> entries;
  // A curve stops short where the rest of the images tie at the highest score: no threshold splits them.
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double last = series[i].curve.back().rejected;
    entries.push_back({series[i].label + (last < furthest ? " (ends at " + percent(last, 2) + ": the rest tie)" : ""),
                       series_colour(i)});
  }
  const double legend_top = top + plot.height + kTickRoom + kAxisLabelRoom + 30;
  std::vector<std::string> labels;
  for (const RejectionSeries& one : series) labels.push_back(one.label);
  const std::string title = "Error against rejection: " + joined(labels) + " on " + data;
  const std::string subtitle = "rejecting the " + ranking + " first; marked: the least rejection that reaches 0.5 % and 0.1 % error";
  const int width = int(std::ceil(std::max({plot.x + plot.width + margin, margin + legend_width(entries) + margin,
                                           text_width(title, {kTitleSize, true}) + 2 * margin, text_width(subtitle) + 2 * margin})));
  const int height = int(std::ceil(legend_top + 20));
  plot.width = width - margin - plot.x;  // as wide as the title makes the figure

  return make_figure(width, height, {plot.region("plot")}, [=](Canvas& canvas) {
    canvas.text(margin, 32, title, {kTitleSize, true});
    canvas.text(margin, 56, subtitle);
    draw_axes(canvas, plot);
    for (const double target : kMarkedErrors) {
      const double y = plot.to_y(100 * target);
      canvas.line(plot.x, y, plot.x + plot.width, y, kAxis, 1, 3);
      canvas.text(plot.x + plot.width - 4, y - 4, percent(target, 1) + " error", {kSmallSize, false, Align::right, kAxis});
    }
    for (std::size_t i = 0; i < series.size(); ++i) {
      std::vector<std::pair<double, double>> points;
      for (const RejectionPoint& point : series[i].curve) {
        if (point.rejected > furthest) break;
        points.emplace_back(100 * point.rejected, 100 * point.error);
      }
      draw_series(canvas, plot, points, series_colour(i));
    }
    // The marks last, over every line; each labelled with its rejection, stacked when they would collide.
    for (std::size_t i = 0; i < series.size(); ++i)
      for (const double target : kMarkedErrors)
        if (const auto reached = rejection_for(series[i].curve, target)) {
          const double x = plot.to_x(100 * reached->rejected), y = plot.to_y(100 * reached->error);
          canvas.circle(x, y, 4.5, kWhite, series_colour(i));
          // On a white patch, so that a line passing under the label does not cross it out.
          const std::string label = percent(reached->rejected, 2);
          const double label_y = y - 8 - 15.0 * double(i);
          canvas.fill_rect(x + 5, label_y - 11, text_width(label, {kSmallSize, true}) + 4, 14, kWhite);
          canvas.text(x + 7, label_y, label, {kSmallSize, true, Align::left, series_colour(i)});
        }
    draw_legend(canvas, margin, legend_top, entries);
  });
}

}  // namespace lenet5
