#include "figures/chart.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lenet5::figures {

namespace {

constexpr double kSampleLength = 28;  // a legend entry's line sample

}  // namespace

Axis linear_axis(double low, double high, int count, std::string label, std::function<std::string(double)> format) {
  if (!(high > low)) high = low + 1;
  const double rough = (high - low) / count, power = std::pow(10.0, std::floor(std::log10(rough)));
  double step = 10 * power;
  for (const double multiple : {1.0, 2.0, 2.5, 5.0})
    if (multiple * power >= rough) {
      step = multiple * power;
      break;
    }
  Axis axis{std::floor(low / step + 1e-9) * step, std::ceil(high / step - 1e-9) * step, false, {}, std::move(format),
            std::move(label)};
  for (double tick = axis.low; tick <= axis.high + step / 2; tick += step) axis.ticks.push_back(std::abs(tick) < step / 1e6 ? 0 : tick);
  return axis;
}

Axis log_axis(double low, double high, std::string label) {
  Axis axis{std::pow(10.0, std::floor(std::log10(low))), std::pow(10.0, std::ceil(std::log10(high))), true, {},
            [](double value) { return significant(value, 3); }, std::move(label)};
  if (axis.high <= axis.low) axis.high = axis.low * 10;
  const bool many_decades = axis.high / axis.low > 1e3;
  for (double decade = axis.low; decade < axis.high * 1.01; decade *= 10)
    for (const double multiple : {1.0, 2.0, 5.0})
      if (decade * multiple <= axis.high * 1.0001 && (multiple == 1 || !many_decades)) axis.ticks.push_back(decade * multiple);
  return axis;
}

namespace {

double fraction_along(const Axis& axis, double value) {
  if (axis.logarithmic) return std::log(value / axis.low) / std::log(axis.high / axis.low);
  return (value - axis.low) / (axis.high - axis.low);
}

}  // namespace

double Plot::to_x(double value) const { return x + width * fraction_along(horizontal, value); }
double Plot::to_y(double value) const { return y + height * (1 - fraction_along(vertical, value)); }

FigureRegion Plot::region(const std::string& name) const {
  return {name, int(std::lround(x)), int(std::lround(y)), int(std::lround(width)), int(std::lround(height))};
}

void draw_axes(Canvas& canvas, const Plot& plot) {
  const TextStyle tick_style{kSmallSize, false, Align::centre};
  for (const double tick : plot.horizontal.ticks) {
    const double at = plot.to_x(tick);
    canvas.line(at, plot.y, at, plot.y + plot.height, kGrid);
    canvas.text(at, plot.y + plot.height + 16, plot.horizontal.format(tick), tick_style);
  }
  for (const double tick : plot.vertical.ticks) {
    const double at = plot.to_y(tick);
    canvas.line(plot.x, at, plot.x + plot.width, at, kGrid);
    canvas.text(plot.x - 6, at + 4, plot.vertical.format(tick), {kSmallSize, false, Align::right});
  }
  canvas.stroke_rect(plot.x, plot.y, plot.width, plot.height, kAxis);
  canvas.text(plot.x + plot.width / 2, plot.y + plot.height + kTickRoom + 18, plot.horizontal.label, {kLabelSize, false, Align::centre});
  double widest_tick = 0;
  for (const double tick : plot.vertical.ticks)
    widest_tick = std::max(widest_tick, text_width(plot.vertical.format(tick), {kSmallSize}));
  canvas.text(plot.x - widest_tick - 14, plot.y + plot.height / 2, plot.vertical.label,
              {kLabelSize, false, Align::centre, kText, std::numbers::pi / 2});
}

void draw_series(Canvas& canvas, const Plot& plot, const std::vector<std::pair<double, double>>& points, Colour colour,
                 double dash) {
  std::vector<std::pair<double, double>> pixels;
  for (const auto& [x, y] : points) pixels.emplace_back(plot.to_x(x), plot.to_y(y));
  canvas.clipped(plot.x, plot.y, plot.width, plot.height, [&] { canvas.polyline(pixels, colour, 2, dash); });
}

double legend_width(const std::vector<LegendEntry>& entries) {
  double width = 0;
  for (const LegendEntry& entry : entries) width += kSampleLength + 6 + text_width(entry.label) + 22;
  return entries.empty() ? 0 : width - 22;
}

double draw_legend(Canvas& canvas, double x, double y, const std::vector<LegendEntry>& entries) {
  const double start = x;
  for (const LegendEntry& entry : entries) {
    canvas.line(x, y - 5, x + kSampleLength, y - 5, entry.colour, 2.5, entry.dash);
    x += kSampleLength + 6;
    canvas.text(x, y, entry.label);
    x += text_width(entry.label) + 22;
  }
  return x - start - 22;
}

}  // namespace lenet5::figures
