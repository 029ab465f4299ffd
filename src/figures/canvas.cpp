#include "figures/canvas.hpp"

#include <cairo-ft.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numbers>
#include <optional>

#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"

namespace lenet5 {

namespace figures {

namespace {

constexpr const char* kFontFamily = "DejaVu Sans";

// fontconfig's configuration, loaded once and freed at exit (LeakSanitizer cannot follow the offsets
// fontconfig links its configuration with, and would report it as leaked).
void load_fontconfig() {
  static const bool loaded = [] {
    if (!FcInit()) throw Error("fontconfig cannot load its configuration; figures need it to find their font");
    std::atexit(FcFini);
    return true;
  }();
  (void)loaded;
}

// fontconfig's best match for `family` at `weight`, checked to be that family: fontconfig would otherwise
// hand back whatever font it falls back to, and the figures would silently change.
FcPattern* match_font(const std::string& family, int weight) {
  load_fontconfig();
  FcPattern* pattern = FcPatternCreate();
  FcPatternAddString(pattern, FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()));
  FcPatternAddInteger(pattern, FC_WEIGHT, weight);
  FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);
  FcResult result = FcResultNoMatch;
  FcPattern* match = FcFontMatch(nullptr, pattern, &result);
  FcPatternDestroy(pattern);
  bool found = false;
  FcChar8* name = nullptr;
  for (int i = 0; match && FcPatternGetString(match, FC_FAMILY, i, &name) == FcResultMatch; ++i)
    found = found || family == reinterpret_cast<const char*>(name);
  if (!found) {
    if (match) FcPatternDestroy(match);
    throw Error("the " + family + " font is not installed (Debian: apt-get install fonts-dejavu-core); figures set "
                "their text in it rather than in whatever font would stand in");
  }
  // The same outlines in PNG and SVG, whatever this machine's fontconfig says about hinting.
  FcPatternDel(match, FC_HINTING);
  FcPatternAddBool(match, FC_HINTING, FcFalse);
  FcPatternDel(match, FC_HINT_STYLE);
  FcPatternAddInteger(match, FC_HINT_STYLE, FC_HINT_NONE);
  FcPatternDel(match, FC_ANTIALIAS);
  FcPatternAddBool(match, FC_ANTIALIAS, FcTrue);
  FcPatternDel(match, FC_RGBA);
  FcPatternAddInteger(match, FC_RGBA, FC_RGBA_NONE);
  return match;
}

struct Fonts {
  cairo_font_face_t* regular = nullptr;
  cairo_font_face_t* bold = nullptr;
  cairo_font_options_t* options = nullptr;

  Fonts() {
    regular = face(FC_WEIGHT_REGULAR);
    bold = face(FC_WEIGHT_BOLD);
    options = cairo_font_options_create();
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  }

  static cairo_font_face_t* face(int weight) {
    FcPattern* match = match_font(kFontFamily, weight);
    cairo_font_face_t* face = cairo_ft_font_face_create_for_pattern(match);
    FcPatternDestroy(match);
    return face;
  }
};

// Looked up once per process; a missing font throws on every attempt.
const Fonts& fonts() {
  static const Fonts loaded;
  return loaded;
}

void set_font(cairo_t* cairo, const TextStyle& style) {
  const Fonts& loaded = fonts();
  cairo_set_font_face(cairo, style.bold ? loaded.bold : loaded.regular);
  cairo_set_font_options(cairo, loaded.options);
  cairo_set_font_size(cairo, style.size);
}

void set_colour(cairo_t* cairo, Colour colour) { cairo_set_source_rgb(cairo, colour.red, colour.green, colour.blue); }

Colour from_hex(unsigned rgb) {
  return {double((rgb >> 16) & 0xff) / 255, double((rgb >> 8) & 0xff) / 255, double(rgb & 0xff) / 255};
}

std::vector<Colour> palette(std::initializer_list<unsigned> hex) {
  std::vector<Colour> colours;
  for (const unsigned rgb : hex) colours.push_back(from_hex(rgb));
  return colours;
}

std::uint8_t byte_of(double channel) { return static_cast<std::uint8_t>(std::lround(std::clamp(channel, 0.0, 1.0) * 255)); }

struct Rgb {
  std::uint8_t red, green, blue;
};

// An RGB24 image surface of `rows` × `columns` blocks of `cell` pixels, each block's colour from `colour_at`.
template <class ColourAt>
cairo_surface_t* block_surface(int rows, int columns, int cell, ColourAt colour_at) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, columns * cell, rows * cell);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) throw Error("cannot allocate a figure's image");
  cairo_surface_flush(surface);
  unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int y = 0; y < rows * cell; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(data + std::ptrdiff_t(y) * stride);
    for (int x = 0; x < columns * cell; ++x) {
      const auto [red, green, blue] = colour_at(y / cell, x / cell);
      row[x] = std::uint32_t(red) << 16 | std::uint32_t(green) << 8 | blue;
    }
  }
  cairo_surface_mark_dirty(surface);
  return surface;
}

void paint_surface(cairo_t* cairo, cairo_surface_t* surface, double x, double y) {
  cairo_save(cairo);
  cairo_set_source_surface(cairo, surface, x, y);
  cairo_pattern_set_filter(cairo_get_source(cairo), CAIRO_FILTER_NEAREST);
  cairo_paint(cairo);
  cairo_restore(cairo);
  cairo_surface_destroy(surface);
}

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::vector<std::uint8_t>*>(closure)->insert(static_cast<std::vector<std::uint8_t>*>(closure)->end(), data,
                                                          data + length);
  return CAIRO_STATUS_SUCCESS;
}

// The image surface as an 8-bit grey PNG when every pixel is grey (a third of an RGB one's samples: the
// mistakes' grid, the distortions); nullopt when it has colour.
std::optional<std::vector<std::uint8_t>> grey_png(cairo_surface_t* surface) {
  cairo_surface_flush(surface);
  const int width = cairo_image_surface_get_width(surface), height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  GreyImage grey{width, height, std::vector<std::uint8_t>(std::size_t(width) * height)};
  for (int y = 0; y < height; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + std::ptrdiff_t(y) * stride);
    for (int x = 0; x < width; ++x) {
      const std::uint32_t red = (row[x] >> 16) & 0xff, green = (row[x] >> 8) & 0xff, blue = row[x] & 0xff;
      if (red != green || green != blue) return std::nullopt;
      grey.pixels[std::size_t(y) * width + x] = std::uint8_t(red);
    }
  }
  return encode_png(grey, "figure");
}

// cairo names an SVG's embedded images and groups by a counter global to the process ("image5",
// "surface9"), so the same figure drawn twice in one process would differ in those names alone. Renumbered
// from 1 in order of appearance, the same figure gives the same bytes.
std::string renumber_svg_ids(const std::string& svg) {
  std::string out;
  out.reserve(svg.size());
  std::map<std::string, std::map<std::string, int>> numbers;  // prefix → old number → new
  std::size_t i = 0;
  while (i < svg.size()) {
    bool replaced = false;
    if (svg[i] == '"' || svg[i] == '#') {
      for (const std::string prefix : {"surface", "image"}) {
        const std::size_t start = i + 1, digits = start + prefix.size();
        if (svg.compare(start, prefix.size(), prefix) != 0) continue;
        std::size_t end = digits;
        while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
        if (end == digits) continue;
        auto& known = numbers[prefix];
        const auto [entry, added] = known.try_emplace(svg.substr(digits, end - digits), int(known.size()) + 1);
        out += svg[i] + prefix + std::to_string(entry->second);
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += svg[i++];
  }
  return out;
}

}  // namespace

Colour series_colour(std::size_t index) {
  static const std::vector<Colour> colours = palette({0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x000000});
  return colours[index % colours.size()];
}

Colour ColourScale::operator()(double value) const {
  if (stops.size() == 1 || !(high > low)) return stops[stops.size() / 2];
  const double position = std::clamp((value - low) / (high - low), 0.0, 1.0) * double(stops.size() - 1);
  const std::size_t below = std::min(std::size_t(position), stops.size() - 2);
  const double t = position - double(below);
  const Colour& a = stops[below];
  const Colour& b = stops[below + 1];
  return {a.red + t * (b.red - a.red), a.green + t * (b.green - a.green), a.blue + t * (b.blue - a.blue)};
}

ColourScale diverging_scale(double limit) {
  return {-limit, limit,
          palette({0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b,
                   0x67001f})};
}

ColourScale sequential_scale(double low, double high) {
  return {low, high, palette({0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b})};
}

void require_font_family(const std::string& family) { FcPatternDestroy(match_font(family, FC_WEIGHT_REGULAR)); }

double text_width(const std::string& text, const TextStyle& style) {
  static cairo_surface_t* const surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
  cairo_t* cairo = cairo_create(surface);
  set_font(cairo, style);
  cairo_text_extents_t extents;
  cairo_text_extents(cairo, text.c_str(), &extents);
  cairo_destroy(cairo);
  return extents.x_advance;
}

void Canvas::fill_rect(double x, double y, double width, double height, Colour colour) {
  set_colour(cairo_, colour);
  cairo_rectangle(cairo_, x, y, width, height);
  cairo_fill(cairo_);
}

void Canvas::stroke_rect(double x, double y, double width, double height, Colour colour, double line_width) {
  set_colour(cairo_, colour);
  cairo_set_line_width(cairo_, line_width);
  cairo_rectangle(cairo_, x, y, width, height);
  cairo_stroke(cairo_);
}

void Canvas::polyline(const std::vector<std::pair<double, double>>& points, Colour colour, double line_width, double dash) {
  if (points.empty()) return;
  cairo_save(cairo_);
  set_colour(cairo_, colour);
  cairo_set_line_width(cairo_, line_width);
  cairo_set_line_join(cairo_, CAIRO_LINE_JOIN_ROUND);
  if (dash > 0) cairo_set_dash(cairo_, &dash, 1, 0);
  cairo_move_to(cairo_, points[0].first, points[0].second);
  for (const auto& [x, y] : points) cairo_line_to(cairo_, x, y);
  cairo_stroke(cairo_);
  cairo_restore(cairo_);
}

void Canvas::line(double x0, double y0, double x1, double y1, Colour colour, double line_width, double dash) {
  polyline({{x0, y0}, {x1, y1}}, colour, line_width, dash);
}

void Canvas::circle(double x, double y, double radius, Colour fill, Colour edge) {
  cairo_new_sub_path(cairo_);
  cairo_arc(cairo_, x, y, radius, 0, 2 * std::numbers::pi);
  set_colour(cairo_, fill);
  cairo_fill_preserve(cairo_);
  set_colour(cairo_, edge);
  cairo_set_line_width(cairo_, 1.5);
  cairo_stroke(cairo_);
}

void Canvas::clipped(double x, double y, double width, double height, const std::function<void()>& draw) {
  cairo_save(cairo_);
  cairo_rectangle(cairo_, x, y, width, height);
  cairo_clip(cairo_);
  draw();
  cairo_restore(cairo_);
}

void Canvas::text(double x, double y, const std::string& text, const TextStyle& style) {
  cairo_save(cairo_);
  set_font(cairo_, style);
  set_colour(cairo_, style.colour);
  cairo_text_extents_t extents;
  cairo_text_extents(cairo_, text.c_str(), &extents);
  const double shift = style.align == Align::left ? 0 : style.align == Align::centre ? extents.x_advance / 2 : extents.x_advance;
  cairo_translate(cairo_, x, y);
  cairo_rotate(cairo_, -style.angle);
  cairo_move_to(cairo_, -shift, 0);
  cairo_show_text(cairo_, text.c_str());
  cairo_restore(cairo_);
}

void Canvas::cells(const float* values, int rows, int columns, int x, int y, int cell, const ColourScale& scale) {
  paint_surface(cairo_, block_surface(rows, columns, cell, [&](int row, int column) {
                  const Colour colour = scale(values[std::size_t(row) * columns + column]);
                  return Rgb{byte_of(colour.red), byte_of(colour.green), byte_of(colour.blue)};
                }),
                x, y);
}

void Canvas::rgb_cells(const std::uint8_t* rgb, int rows, int columns, int x, int y, int cell) {
  paint_surface(cairo_, block_surface(rows, columns, cell, [&](int row, int column) {
                  const std::uint8_t* pixel = rgb + (std::size_t(row) * columns + column) * 3;
                  return Rgb{pixel[0], pixel[1], pixel[2]};
                }),
                x, y);
}

void Canvas::thumbnail(const std::uint8_t* rgb, int rows, int columns, int x, int y, int width, int height) {
  cairo_surface_t* original = block_surface(rows, columns, 1, [&](int row, int column) {
    const std::uint8_t* pixel = rgb + (std::size_t(row) * columns + column) * 3;
    return Rgb{pixel[0], pixel[1], pixel[2]};
  });
  // Shrunk here, so that an SVG embeds the thumbnail rather than the whole photo.
  cairo_surface_t* small = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* shrink = cairo_create(small);
  cairo_scale(shrink, double(width) / columns, double(height) / rows);
  cairo_set_source_surface(shrink, original, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(shrink), CAIRO_FILTER_GOOD);
  cairo_paint(shrink);
  cairo_destroy(shrink);
  cairo_surface_destroy(original);
  paint_surface(cairo_, small, x, y);
}

void Canvas::colour_bar(double x, double y, double width, double height, const ColourScale& scale, const std::string& label,
                        const std::function<std::string(double)>& format, const std::vector<double>& ticks) {
  text(x, y - 5, label, {kSmallSize});
  cairo_pattern_t* gradient = cairo_pattern_create_linear(x, 0, x + width, 0);
  for (std::size_t i = 0; i < scale.stops.size(); ++i) {
    const Colour& stop = scale.stops[i];
    cairo_pattern_add_color_stop_rgb(gradient, double(i) / double(scale.stops.size() - 1), stop.red, stop.green, stop.blue);
  }
  cairo_set_source(cairo_, gradient);
  cairo_rectangle(cairo_, x, y, width, height);
  cairo_fill(cairo_);
  cairo_pattern_destroy(gradient);
  stroke_rect(x, y, width, height, kAxis, 0.75);
  for (const double tick : ticks) {
    const double at = x + width * (tick - scale.low) / (scale.high - scale.low);
    line(at, y + height, at, y + height + 3, kAxis);
    text(at, y + height + 15, format(tick), {kSmallSize, false, Align::centre});
  }
}

Figure make_figure(int width, int height, std::vector<FigureRegion> regions, std::function<void(Canvas&)> paint) {
  auto drawing = std::make_shared<FigureDrawing>();
  drawing->width = width;
  drawing->height = height;
  drawing->regions = std::move(regions);
  drawing->paint = [width, height, paint = std::move(paint)](cairo_t* cairo) {
    Canvas canvas(cairo);
    canvas.fill_rect(0, 0, width, height, kWhite);
    paint(canvas);
  };
  return Figure(std::move(drawing));
}

std::string thousands(std::size_t value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(double fraction, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f %%", decimals, 100 * fraction);
  return text;
}

std::string significant(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

std::string probability(double p) {
  if (p == 1) return "100 %";
  if (p >= 0.9995) return ">99.9 %";
  if (p < 0.0005) return p == 0 ? "0 %" : "<0.1 %";
  return percent(p, 1);
}

}  // namespace figures

FigureFormat figure_format(const std::string& path) {
  std::string extension = path.substr(std::min(path.size(), path.find_last_of('.')));
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  if (extension == ".png") return FigureFormat::png;
  if (extension == ".svg") return FigureFormat::svg;
  throw Error(path + ": figures are written as .png or .svg, named by the file's extension");
}

Figure::Figure(std::shared_ptr<const FigureDrawing> drawing) : drawing_(std::move(drawing)) {}
int Figure::width() const { return drawing_->width; }
int Figure::height() const { return drawing_->height; }
const std::vector<FigureRegion>& Figure::regions() const { return drawing_->regions; }

std::vector<std::uint8_t> Figure::encode(FigureFormat format) const {
  std::vector<std::uint8_t> bytes;
  cairo_surface_t* surface =
      format == FigureFormat::png
          ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, width(), height())
          : cairo_svg_surface_create_for_stream(figures::append_bytes, &bytes, width(), height());
  if (format == FigureFormat::svg) cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
  cairo_t* cairo = cairo_create(surface);
  try {
    drawing_->paint(cairo);
  } catch (...) {
    cairo_destroy(cairo);
    cairo_surface_destroy(surface);
    throw;
  }
  cairo_status_t status = cairo_status(cairo);
  cairo_destroy(cairo);
  if (status == CAIRO_STATUS_SUCCESS && format == FigureFormat::png) {
    if (auto grey = figures::grey_png(surface)) bytes = std::move(*grey);
    else status = cairo_surface_write_to_png_stream(surface, figures::append_bytes, &bytes);
  }
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw Error(std::string("cannot draw the figure: ") + cairo_status_to_string(status));
  if (format == FigureFormat::svg) {
    const std::string svg = figures::renumber_svg_ids(std::string(bytes.begin(), bytes.end()));
    bytes.assign(svg.begin(), svg.end());
  }
  return bytes;
}

void Figure::save(const std::string& path) const { write_file_atomically(path, encode(figure_format(path))); }

}  // namespace lenet5
