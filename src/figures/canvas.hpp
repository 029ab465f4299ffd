#pragma once
// What every figure is drawn with: cairo, text set in DejaVu Sans, colour scales with their legends. A figure
// is laid out first (text measured, regions named), then painted once per format it is written in.
#include <cairo.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lenet5/figures.hpp"

namespace lenet5 {

// A figure's size and regions, and how to paint it on any cairo surface of that size.
struct FigureDrawing {
  int width = 0;
  int height = 0;
  std::vector<FigureRegion> regions;
  std::function<void(cairo_t*)> paint;
};

namespace figures {

struct Colour {
  double red = 0, green = 0, blue = 0;
};

inline constexpr Colour kWhite{1, 1, 1};
inline constexpr Colour kText{0.13, 0.13, 0.13};
inline constexpr Colour kGrid{0.86, 0.86, 0.86};
inline constexpr Colour kAxis{0.35, 0.35, 0.35};

// Text sizes in pixels: a figure's title, its labels, and small print (tick labels, tile captions).
inline constexpr double kTitleSize = 17;
inline constexpr double kLabelSize = 14;
inline constexpr double kSmallSize = 12;

// Distinct colours for the series of a chart (Okabe & Ito's palette, readable with colour blindness).
Colour series_colour(std::size_t index);

// A colour scale: `stops` evenly spaced over [low, high], colours between them interpolated linearly.
struct ColourScale {
  double low = 0, high = 1;
  std::vector<Colour> stops;
  Colour operator()(double value) const;
};
// Blue through white to red, symmetric about 0 over [−limit, limit] (ColorBrewer's RdBu): weights, activations.
ColourScale diverging_scale(double limit);
// White to dark blue over [low, high] (ColorBrewer's Blues): counts.
ColourScale sequential_scale(double low, double high);

enum class Align { left, centre, right };
struct TextStyle {
  double size = kLabelSize;
  bool bold = false;
  Align align = Align::left;
  Colour colour = kText;
  double angle = 0;  // radians, counter-clockwise; the text turns about its anchor
};

// The width of `text` set in `style`, in pixels. Throws lenet5::Error when DejaVu Sans is not installed.
double text_width(const std::string& text, const TextStyle& style = {});

// Throws lenet5::Error unless fontconfig finds `family` itself (not a stand-in it would fall back to).
void require_font_family(const std::string& family);

// Drawing operations on one cairo context, in pixels with y down.
class Canvas {
 public:
  explicit Canvas(cairo_t* cairo) : cairo_(cairo) {}

  void fill_rect(double x, double y, double width, double height, Colour colour);
  void stroke_rect(double x, double y, double width, double height, Colour colour, double line_width = 1);
  // A line through `points` (x, y pairs); `dash` > 0 draws it dashed with that length.
  void polyline(const std::vector<std::pair<double, double>>& points, Colour colour, double line_width, double dash = 0);
  void line(double x0, double y0, double x1, double y1, Colour colour, double line_width = 1, double dash = 0);
  void circle(double x, double y, double radius, Colour fill, Colour edge);
  // Whatever `draw` draws, cut to the rectangle.
  void clipped(double x, double y, double width, double height, const std::function<void()>& draw);
  // `text` with its baseline at y, aligned on x as `style` says.
  void text(double x, double y, const std::string& text, const TextStyle& style = {});
  // A grid of values as cells of `cell` × `cell` pixels coloured by `scale` (an image, so that an SVG stays
  // small), its top-left corner at (x, y) on whole pixels.
  void cells(const float* values, int rows, int columns, int x, int y, int cell, const ColourScale& scale);
  // RGB bytes (rows × columns × 3), each pixel as a `cell` × `cell` block.
  void rgb_cells(const std::uint8_t* rgb, int rows, int columns, int x, int y, int cell);
  // A picture scaled to `width` × `height` pixels (smoothly: a photo shrunk to a thumbnail), from RGB bytes.
  void thumbnail(const std::uint8_t* rgb, int rows, int columns, int x, int y, int width, int height);
  // A horizontal colour bar of `scale` with its ends and middle labelled, `label` above it: the legend every
  // colour scale carries. `format` writes a value.
  void colour_bar(double x, double y, double width, double height, const ColourScale& scale, const std::string& label,
                  const std::function<std::string(double)>& format, const std::vector<double>& ticks);

 private:
  cairo_t* cairo_;
};

// A figure from its size, regions and painter (a white background is painted first).
Figure make_figure(int width, int height, std::vector<FigureRegion> regions, std::function<void(Canvas&)> paint);

// Number formats for labels: 10,000; 99.31 %; a value with `digits` significant digits.
std::string thousands(std::size_t value);
std::string percent(double fraction, int decimals);
std::string significant(double value, int digits);
// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string>& names);
// A probability as a percentage with one decimal, and ">99.9 %" / "<0.1 %" rather than a rounded 100 or 0.
std::string probability(double p);

}  // namespace figures
}  // namespace lenet5
