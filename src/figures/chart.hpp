#pragma once
// Line charts: axes with round ticks, linear or logarithmic, a plot frame with grid lines, and legends.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "figures/canvas.hpp"

namespace lenet5::figures {

struct Axis {
  double low = 0, high = 1;
  bool logarithmic = false;
  std::vector<double> ticks;
  std::function<std::string(double)> format;
  std::string label;
};

// An axis over at least [low, high], widened to round ticks (about `count` of them: 1, 2, 2.5 or 5 × 10^k apart).
Axis linear_axis(double low, double high, int count, std::string label, std::function<std::string(double)> format);
// A logarithmic axis over at least [low, high] (> 0), from one power of ten to another, ticked at 1, 2, 5 × 10^k.
Axis log_axis(double low, double high, std::string label);

// A plot's frame in pixels and its two axes.
struct Plot {
  double x = 0, y = 0, width = 0, height = 0;
  Axis horizontal, vertical;
  double to_x(double value) const;
  double to_y(double value) const;
  FigureRegion region(const std::string& name) const;
};

// Grid lines, the frame, tick labels and axis labels (the vertical one turned upright). Tick labels take
// kTickRoom pixels left of and below the frame, the axis labels kAxisLabelRoom more.
inline constexpr double kTickRoom = 22;
inline constexpr double kAxisLabelRoom = 24;
void draw_axes(Canvas& canvas, const Plot& plot);

// A series' line in the plot, clipped to its frame.
void draw_series(Canvas& canvas, const Plot& plot, const std::vector<std::pair<double, double>>& points, Colour colour,
                 double dash = 0);

struct LegendEntry {
  std::string label;
  Colour colour;
  double dash = 0;
};
// The entries in a row from (x, y), each a short line sample and its label; returns the row's width.
double draw_legend(Canvas& canvas, double x, double y, const std::vector<LegendEntry>& entries);
double legend_width(const std::vector<LegendEntry>& entries);

}  // namespace lenet5::figures
