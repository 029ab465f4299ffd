// Every layer's feature maps for one picture (the paper's Fig. 13).
#include <algorithm>
#include <cmath>

#include "figures/canvas.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

namespace {

constexpr int kMapSide = 56;       // a layer's maps are drawn about this many pixels a side
constexpr int kInputSide = 128;    // the input, larger
constexpr int kMapGap = 6;
constexpr int kVectorCell = 12;    // a value of a layer of 1×1 maps (C5, F6)
constexpr int kVectorColumns = 60;  // at most, in lines of equal length
constexpr int kLegendWidth = 130;

// The picture as RGB bytes, transparency composited onto white.
std::vector<std::uint8_t> rgb_of(const Image& picture) {
  std::vector<std::uint8_t> rgb(std::size_t(picture.width) * picture.height * 3);
  const int channels = picture.channels;
  for (std::size_t p = 0; p < std::size_t(picture.width) * picture.height; ++p) {
    const std::uint8_t* pixel = picture.pixels.data() + p * channels;
    const bool colour = channels >= 3, alpha = channels == 2 || channels == 4;
    const int opacity = alpha ? pixel[channels - 1] : 255;
    for (int c = 0; c < 3; ++c) {
      const int value = pixel[colour ? c : 0];
      rgb[p * 3 + c] = static_cast<std::uint8_t>((value * opacity + 255 * (255 - opacity) + 127) / 255);
    }
  }
  return rgb;
}

// One row of the figure: a traced tensor's maps, or its values in lines of cells.
struct MapRow {
  std::string name, shape;
  std::size_t index = 0;  // in the trace
  int top = 0, height = 0, width = 0;
  int scale = 1;        // pixels per value
  int columns = 0;      // a vector's values per line
  double limit = 1;     // its colour scale's ends
  bool vector = false;  // [C] rather than [C][H][W]
};

}  // namespace

Figure maps_figure(const Image& picture, const std::vector<Tensor>& trace, const std::vector<float>& probabilities,
                   const std::vector<std::string>& class_names, const std::string& model, const std::string& picture_name) {
  if (picture.width <= 0 || picture.height <= 0 || picture.channels < 1 || picture.channels > 4 ||
      picture.pixels.size() != std::size_t(picture.width) * picture.height * picture.channels)
    throw Error("maps figure: a malformed picture");
  if (trace.size() < 2 || trace.front().name != "input" || probabilities.size() != class_names.size() || class_names.empty())
    throw Error("maps figure: a trace that starts with the input, and a probability per class, are needed");

  const int margin = 20, row_names = 110, grid_left = margin + row_names;
  const std::size_t winner = std::size_t(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
  const std::string title = "What " + model + " sees in " + picture_name + ": it reads " + class_names[winner] + " (" +
                            probability(probabilities[winner]) + ")";
  const std::string subtitle = "the picture as given, the input prepared from it, every layer's output maps (each "
                               "layer on its own colour scale) and each class's probability";

  // The picture, shrunk to fit kInputSide, keeping its shape.
  const double shrink = std::min(1.0, double(kInputSide) / std::max(picture.width, picture.height));
  const int thumb_width = std::max(1, int(std::lround(picture.width * shrink)));
  const int thumb_height = std::max(1, int(std::lround(picture.height * shrink)));

  int y = 80;
  std::vector<FigureRegion> regions{{"picture", grid_left, y, thumb_width, thumb_height}};
  const int picture_top = y;
  y += std::max(thumb_height, 40) + 26;
  std::vector<MapRow> rows;
  int widest = thumb_width;
  for (std::size_t t = 0; t + 1 < trace.size(); ++t) {  // the last is the raw output, drawn as probabilities
    const Tensor& maps = trace[t];
    MapRow row{maps.name, "", t, y};
    for (const float value : maps.values) row.limit = std::max(row.limit, double(std::abs(value)));
    if (row.limit == 0) row.limit = 1;
    if (maps.shape.size() == 3) {
      const int side = t == 0 ? kInputSide : kMapSide;
      row.scale = std::max(1, side / maps.shape[1]);
      row.height = maps.shape[1] * row.scale;
      row.width = maps.shape[0] * (maps.shape[2] * row.scale + kMapGap) - kMapGap;
      row.shape = std::to_string(maps.shape[0]) + "@" + std::to_string(maps.shape[1]) + "x" + std::to_string(maps.shape[2]);
    } else {
      row.vector = true;
      const int count = maps.shape[0], lines = (count + kVectorColumns - 1) / kVectorColumns;
      row.columns = (count + lines - 1) / lines;
      row.height = lines * kVectorCell;
      row.width = row.columns * kVectorCell;
      row.shape = std::to_string(count) + " values";
    }
    row.height = std::max(row.height, 40);
    regions.push_back({row.name, grid_left, row.top, row.width, row.height});
    widest = std::max(widest, row.width + 24 + kLegendWidth);
    y += row.height + 26;
    rows.push_back(row);
  }
  double widest_class = 0;
  for (const std::string& name : class_names) widest_class = std::max(widest_class, text_width(name, {kSmallSize}));
  const int bar_pitch = int(std::ceil(std::max(60.0, widest_class + 10)));
  const int bar_height = 90, bars_top = y + 18;
  const int bars_width = int(class_names.size()) * bar_pitch;
  regions.push_back({"OUTPUT", grid_left, bars_top, bars_width, bar_height});
  widest = std::max(widest, bars_width);
  const int width = int(std::ceil(std::max({double(grid_left + widest + margin), text_width(title, {kTitleSize, true}) + 2 * margin,
                                           text_width(subtitle) + 2 * margin})));
  const int height = bars_top + bar_height + 40;

  // The painter keeps its own copies of what it draws.
  const std::vector<std::uint8_t> rgb = rgb_of(picture);
  const int picture_width = picture.width, picture_height = picture.height;

  return make_figure(width, height, regions, [=](Canvas& canvas) {
    const auto row_label = [&](int top, const std::string& name, const std::string& detail) {
      canvas.text(margin, top + 16, name, {kLabelSize, true});
      canvas.text(margin, top + 34, detail, {kSmallSize});
    };
    canvas.text(margin, 32, title, {kTitleSize, true});
    canvas.text(margin, 56, subtitle);
    row_label(picture_top, "picture", std::to_string(picture_width) + "x" + std::to_string(picture_height));
    canvas.thumbnail(rgb.data(), picture_height, picture_width, grid_left, picture_top, thumb_width, thumb_height);
    canvas.stroke_rect(grid_left - 0.5, picture_top - 0.5, thumb_width + 1, thumb_height + 1, kGrid);
    for (const MapRow& row : rows) {
      const Tensor& maps = trace[row.index];
      row_label(row.top, row.name, row.shape);
      const ColourScale scale = diverging_scale(row.limit);
      if (!row.vector) {
        const int channels = maps.shape[0], rows_of = maps.shape[1], columns = maps.shape[2];
        for (int c = 0; c < channels; ++c) {
          const int x = grid_left + c * (columns * row.scale + kMapGap);
          canvas.cells(maps.values.data() + std::size_t(c) * rows_of * columns, rows_of, columns, x, row.top, row.scale, scale);
          canvas.stroke_rect(x - 0.5, row.top - 0.5, columns * row.scale + 1, rows_of * row.scale + 1, kGrid);
        }
      } else {
        const int count = maps.shape[0];
        for (int first = 0; first < count; first += row.columns) {
          const int line = first / row.columns, n = std::min(row.columns, count - first);
          canvas.cells(maps.values.data() + first, 1, n, grid_left, row.top + line * kVectorCell, kVectorCell, scale);
        }
      }
      canvas.colour_bar(grid_left + row.width + 24, row.top + 14, kLegendWidth, 10, scale, row.index == 0 ? "value (encoded pixels)" : "value", [](double value) { return significant(value, 2); },
                        {-row.limit, 0, row.limit});
    }
    row_label(bars_top, "output", "probability");
    canvas.line(grid_left, bars_top + bar_height, grid_left + bars_width, bars_top + bar_height, kAxis);
    for (std::size_t c = 0; c < class_names.size(); ++c) {
      const double centre = grid_left + (double(c) + 0.5) * bar_pitch, p = probabilities[c];
      const double top = bars_top + bar_height * (1 - p);
      canvas.fill_rect(centre - 15, top, 30, bars_top + bar_height - top, c == winner ? series_colour(0) : Colour{0.65, 0.65, 0.65});
      canvas.text(centre, top - 5, probability(p), {kSmallSize, false, Align::centre});
      canvas.text(centre, bars_top + bar_height + 18, class_names[c], {kSmallSize, c == winner, Align::centre});
    }
  });
}

}  // namespace lenet5
