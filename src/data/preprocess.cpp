// A picture as an MNIST-style digit: see lenet5/preprocess.hpp for the procedure and its sources.
#include "lenet5/preprocess.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "data/area_coverage.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

// Larger pictures are first reduced (area average) to at most this many pixels a side: a digit photographed
// at any resolution keeps far more detail than the 20×20 box needs, and the steps below stay cheap. A number
// spreads its digits across the picture, and cuts between touching ones need its columns: 512. One digit
// fills much of its picture: 256 still gives a digit a fifth of the side tall 51 pixels, over twice the
// box, and prepares a 1000×1000 photo on a quarter of the working pixels.
constexpr int kWorkingSide = 512;
constexpr int kDigitWorkingSide = 256;

// A grey plane of floats, row-major.
struct Plane {
  int width = 0, height = 0;
  std::vector<float> values;
  float& at(int x, int y) { return values[std::size_t(y) * width + x]; }
  float at(int x, int y) const { return values[std::size_t(y) * width + x]; }
};

// The picture's grey levels reduced by an integer factor: each working pixel is the mean of its block
// (blocks at the right and bottom edges may be smaller). The sums are of whole numbers, exact in integers.
Plane working_plane(const GreyImage& grey, int factor) {
  Plane plane{(grey.width + factor - 1) / factor, (grey.height + factor - 1) / factor, {}};
  plane.values.resize(std::size_t(plane.width) * plane.height);
  std::vector<std::uint32_t> columns(std::size_t(grey.width));  // a band of `factor` rows summed down each column
  for (int band = 0; band < plane.height; ++band) {
    const int top = band * factor, rows = std::min(factor, grey.height - top);
    std::fill(columns.begin(), columns.end(), 0u);
    for (int y = top; y < top + rows; ++y) {
      const std::uint8_t* row = &grey.pixels[std::size_t(y) * grey.width];
      for (int x = 0; x < grey.width; ++x) columns[std::size_t(x)] += row[x];
    }
    for (int block = 0; block < plane.width; ++block) {
      const int left = block * factor, width = std::min(factor, grey.width - left);
      std::uint32_t sum = 0;
      for (int x = left; x < left + width; ++x) sum += columns[std::size_t(x)];
      plane.at(block, band) = float(sum) / float(rows * width);
    }
  }
  return plane;
}

// The values below which each of `fractions` of `values` lie: the k-th smallest, k = fraction · size. Linear
// in the size (a working plane has up to 512×512 values): the values are counted into buckets ordered by
// value, then the k-th is selected among the values of the one bucket where the running count passes k.
template <std::size_t Count>
std::array<float, Count> percentiles(const std::vector<float>& values, const std::array<double, Count>& fractions) {
  float lowest = values[0], highest = values[0];
#pragma omp simd reduction(min : lowest) reduction(max : highest)
  for (std::size_t i = 0; i < values.size(); ++i) lowest = std::min(lowest, values[i]), highest = std::max(highest, values[i]);
  const std::size_t buckets = std::clamp<std::size_t>(values.size() / 16, 1, 4096);
  // Non-decreasing in the value (rounding is monotonic), so the buckets are in the values' order.
  const float scale = highest > lowest ? float(buckets - 1) / (highest - lowest) : 0.0f;
  std::vector<std::uint16_t> bucket_of(values.size());
  std::vector<std::size_t> counts(buckets, 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    bucket_of[i] = std::uint16_t(std::min(std::size_t((values[i] - lowest) * scale), buckets - 1));
    ++counts[bucket_of[i]];
  }
  std::array<std::size_t, Count> bucket{}, rank{};  // where each fraction's value lies: its bucket, its rank there
  for (std::size_t f = 0; f < Count; ++f) {
    rank[f] = std::min(values.size() - 1, std::size_t(fractions[f] * double(values.size())));
    for (; rank[f] >= counts[bucket[f]]; ++bucket[f]) rank[f] -= counts[bucket[f]];
  }
  std::array<std::vector<float>, Count> members;
  for (std::size_t i = 0; i < values.size(); ++i)
    for (std::size_t f = 0; f < Count; ++f)
      if (bucket_of[i] == bucket[f]) members[f].push_back(values[i]);
  std::array<float, Count> found{};
  for (std::size_t f = 0; f < Count; ++f) {
    std::nth_element(members[f].begin(), members[f].begin() + std::ptrdiff_t(rank[f]), members[f].end());
    found[f] = members[f][rank[f]];
  }
  return found;
}

float percentile(const std::vector<float>& values, double fraction) {
  return percentiles<1>(values, {fraction})[0];
}

// Whether the paper is lighter than the ink: the paper is the picture's majority, so its median is the
// paper, and the ink lies further from it than the paper's own spread on one side (the extremes are taken
// at 0.1 % and 99.9 %, so a few pixels of noise decide nothing; a small digit is still more than that).
bool has_light_paper(const Plane& plane) {
  const auto [dark, middle, light] = percentiles<3>(plane.values, {0.001, 0.5, 0.999});
  return light - middle < middle - dark;
}

// The solution of the normal equations [A | b] (n ≤ 6 unknowns) by Gaussian elimination with partial
// pivoting; a whisker of ridge on the diagonal keeps a single row or column of blocks (no spread in x or
// y) solvable, its terms in that direction then 0.
std::array<double, 6> solve_least_squares(std::vector<std::vector<double>> m) {
  const int n = int(m.size());
  for (int i = 0; i < n; ++i) m[i][i] += 1e-6;
  for (int col = 0; col < n; ++col) {
    int pivot = col;
    for (int row = col + 1; row < n; ++row)
      if (std::abs(m[row][col]) > std::abs(m[pivot][col])) pivot = row;
    std::swap(m[col], m[pivot]);
    for (int row = col + 1; row < n; ++row) {
      const double factor = m[row][col] / m[col][col];
      for (int k = col; k <= n; ++k) m[row][k] -= factor * m[col][k];
    }
  }
  std::array<double, 6> x{};
  for (int row = n - 1; row >= 0; --row) {
    double sum = m[row][n];
    for (int k = row + 1; k < n; ++k) sum -= m[row][k] * x[k];
    x[row] = sum / m[row][row];
  }
  return x;
}

// The paper's level under every pixel, with the ink light: the 10th percentile of blocks of about 24×24
// working pixels (up to 16×16 blocks; one for small pictures, whose lighting is even), which is paper unless ink covers 90 % of the
// block; interpolated bilinearly between block centres. Under a lighting gradient each block's level sits
// the same fraction of its range below its centre's, an offset the paper's measured median absorbs.
Plane paper_level(const Plane& ink) {
  const int blocks_x = std::clamp(ink.width / 24, 1, 16), blocks_y = std::clamp(ink.height / 24, 1, 16);
  std::vector<float> level(std::size_t(blocks_x) * blocks_y);
  for (int by = 0; by < blocks_y; ++by)
    for (int bx = 0; bx < blocks_x; ++bx) {
      std::vector<float> block;
      block.reserve(std::size_t(ink.width / blocks_x + 1) * std::size_t(ink.height / blocks_y + 1));
      for (int y = by * ink.height / blocks_y; y < (by + 1) * ink.height / blocks_y; ++y)
        for (int x = bx * ink.width / blocks_x; x < (bx + 1) * ink.width / blocks_x; ++x) block.push_back(ink.at(x, y));
      level[std::size_t(by) * blocks_x + bx] = percentile(block, 0.1);
    }
  // A thick stroke covers whole blocks, whose 10th percentile is then ink. Those stand far above the
  // surface fitted to the other blocks' levels (least squares; a plane, or with 4×4 blocks and more a
  // quadratic, as a lamp or a vignette lights a page; fitted again without the blocks that stand out until
  // they are the same ones) and take its level. Far: more than lighting bends from one block to the next.
  constexpr float kInkBlock = 24.0f;
  const int terms = blocks_x >= 4 && blocks_y >= 4 ? 6 : 3;
  const auto basis = [](int bx, int by) {
    return std::array<double, 6>{1.0, double(bx), double(by), double(bx) * bx, double(bx) * by, double(by) * by};
  };
  std::vector<bool> ink_block(level.size(), false);
  std::array<double, 6> fit{};
  const auto fitted = [&](int bx, int by) {
    const auto f = basis(bx, by);
    double value = 0;
    for (int i = 0; i < terms; ++i) value += fit[i] * f[i];
    return value;
  };
  for (int round = 0; round < 10; ++round) {
    std::vector<std::vector<double>> normal(terms, std::vector<double>(terms + 1, 0.0));  // [A | b]
    for (int by = 0; by < blocks_y; ++by)
      for (int bx = 0; bx < blocks_x; ++bx) {
        if (ink_block[std::size_t(by) * blocks_x + bx]) continue;
        const auto f = basis(bx, by);
        for (int i = 0; i < terms; ++i) {
          for (int j = 0; j < terms; ++j) normal[i][j] += f[i] * f[j];
          normal[i][terms] += f[i] * level[std::size_t(by) * blocks_x + bx];
        }
      }
    if (normal[0][0] == 0) break;  // every block ink: keep the last fit
    fit = solve_least_squares(normal);
    bool changed = false;
    for (int by = 0; by < blocks_y; ++by)
      for (int bx = 0; bx < blocks_x; ++bx) {
        const std::size_t b = std::size_t(by) * blocks_x + bx;
        const bool stands_out = level[b] > fitted(bx, by) + kInkBlock;
        changed |= stands_out != ink_block[b];
        ink_block[b] = stands_out;
      }
    if (!changed) break;
  }
  std::vector<float> lowered(level);
  for (int by = 0; by < blocks_y; ++by)
    for (int bx = 0; bx < blocks_x; ++bx)
      if (ink_block[std::size_t(by) * blocks_x + bx]) lowered[std::size_t(by) * blocks_x + bx] = float(fitted(bx, by));
  Plane paper{ink.width, ink.height, std::vector<float>(ink.values.size())};
  // Block b's centre sits at (b + ½)·size/blocks; between centres the level is interpolated, beyond the
  // outer ones extrapolated (a lighting gradient goes on to the picture's edge).
  const auto position = [](int pixel, int size, int blocks, int& first, float& weight) {
    const float at = (float(pixel) + 0.5f) * float(blocks) / float(size) - 0.5f;
    first = std::clamp(int(std::floor(at)), 0, std::max(blocks - 2, 0));
    weight = blocks == 1 ? 0.0f : at - float(first);
  };
  std::vector<int> columns_x0(std::size_t(ink.width));  // each column's blocks and weight, the same on every row
  std::vector<float> columns_wx(std::size_t(ink.width));
  for (int x = 0; x < ink.width; ++x) position(x, ink.width, blocks_x, columns_x0[std::size_t(x)], columns_wx[std::size_t(x)]);
  for (int y = 0; y < ink.height; ++y) {
    int y0 = 0;
    float wy = 0;
    position(y, ink.height, blocks_y, y0, wy);
    const int y1 = std::min(y0 + 1, blocks_y - 1);
    for (int x = 0; x < ink.width; ++x) {
      const int x0 = columns_x0[std::size_t(x)];
      const float wx = columns_wx[std::size_t(x)];
      const int x1 = std::min(x0 + 1, blocks_x - 1);
      const auto l = [&](int bx, int by) { return lowered[std::size_t(by) * blocks_x + bx]; };
      paper.at(x, y) = (1 - wy) * ((1 - wx) * l(x0, y0) + wx * l(x1, y0)) + wy * ((1 - wx) * l(x0, y1) + wx * l(x1, y1));
    }
  }
  return paper;
}

// Otsu's threshold of `values` in [0, 255]: the level that best splits them into two classes.
float otsu_threshold(const std::vector<float>& values) {
  std::array<double, 256> histogram{};
  for (const float v : values) histogram[std::size_t(std::clamp(v, 0.0f, 255.0f))] += 1;
  double total = 0, weighted = 0;
  for (int i = 0; i < 256; ++i) total += histogram[i], weighted += i * histogram[i];
  double below = 0, below_weighted = 0, best = -1;
  int threshold = 0;
  for (int i = 0; i < 255; ++i) {
    below += histogram[i];
    below_weighted += i * histogram[i];
    const double above = total - below;
    if (below == 0 || above == 0) continue;
    const double difference = below_weighted / below - (weighted - below_weighted) / above;
    const double between = below * above * difference * difference;
    if (between > best) best = between, threshold = i;
  }
  return float(threshold) + 0.5f;
}

// Connected components (8-neighbours) of `mask` as labels 0, 1, … (−1 off the mask), keeping those of at
// least 2 % of the largest one's area: pen marks, not specks of noise or dust. Returns the number kept.
int label_strokes(const std::vector<std::uint8_t>& mask, int width, int height, std::vector<int>& label) {
  label.assign(mask.size(), -1);
  std::vector<std::size_t> areas;
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < mask.size(); ++start) {
    if (!mask[start] || label[start] >= 0) continue;
    const int id = int(areas.size());
    std::size_t area = 0;
    stack.push_back(start);
    label[start] = id;
    while (!stack.empty()) {
      const std::size_t at = stack.back();
      stack.pop_back();
      ++area;
      const int x = int(at % width), y = int(at / width);
      for (int ny = std::max(y - 1, 0); ny <= std::min(y + 1, height - 1); ++ny)
        for (int nx = std::max(x - 1, 0); nx <= std::min(x + 1, width - 1); ++nx) {
          const std::size_t next = std::size_t(ny) * width + nx;
          if (mask[next] && label[next] < 0) {
            label[next] = id;
            stack.push_back(next);
          }
        }
    }
    areas.push_back(area);
  }
  const std::size_t largest = areas.empty() ? 0 : *std::max_element(areas.begin(), areas.end());
  std::vector<int> renumbered(areas.size(), -1);
  int kept = 0;
  for (std::size_t id = 0; id < areas.size(); ++id)
    if (areas[id] * 50 >= largest) renumbered[id] = kept++;
  for (int& l : label)
    if (l >= 0) l = renumbered[std::size_t(l)];
  return kept;
}

// A stroke: one connected piece of ink, with its bounding box in working pixels.
struct Stroke {
  int x_min = 0, x_max = -1, y_min = 0, y_max = -1;
  std::size_t area = 0;
  int width() const { return x_max - x_min + 1; }
  int height() const { return y_max - y_min + 1; }
};

// The picture's ink: a soft map in [0, 1] on the working plane (0 = paper, 1 = a stroke's full ink), each
// inked pixel labelled with its stroke.
struct Ink {
  Plane map;
  std::vector<int> stroke;       // per working pixel: its stroke, −1 for none
  std::vector<Stroke> strokes;
  int factor = 1;                // picture pixels per working pixel
  int picture_width = 0, picture_height = 0;
  bool inverted = false;
};

Ink find_ink(const Image& picture, const PrepareOptions& options, int working_side = kWorkingSide) {
  if (picture.width < 1 || picture.height < 1) throw Error("the image is empty");
  const GreyImage grey = to_grey(picture);
  Ink found;
  found.picture_width = grey.width;
  found.picture_height = grey.height;
  found.factor = std::max((std::max(grey.width, grey.height) + working_side - 1) / working_side, 1);
  Plane& ink = found.map;
  ink = working_plane(grey, found.factor);
  found.inverted = options.polarity == Polarity::dark_ink ||
                   (options.polarity == Polarity::automatic && has_light_paper(ink));
  if (found.inverted)
    for (float& v : ink.values) v = 255.0f - v;

  // Ink above the paper under it, and the paper's own noise measured on what lies below Otsu's split: its
  // spread below its median (one standard deviation for Gaussian noise; the upper side holds the strokes'
  // anti-aliased edges).
  const Plane paper = paper_level(ink);
  for (std::size_t i = 0; i < ink.values.size(); ++i) ink.values[i] -= paper.values[i];
  const float split = otsu_threshold(ink.values);
  std::vector<float> background, strokes;
  for (const float v : ink.values) (v < split ? background : strokes).push_back(v);
  found.stroke.assign(ink.values.size(), -1);
  if (strokes.empty() || background.empty()) return found;  // one level everywhere: no ink
  const auto [paper_median, paper_16th] = percentiles<2>(background, {0.5, 0.16});
  const float paper_spread = paper_median - paper_16th;
  const float ink_level = percentile(strokes, 0.5);
  // Ink must stand out of the paper's noise, by a margin no JPEG artefact or sensor noise reaches; and
  // "ink" covering most of the picture is a page of ink (or of something else), not writing.
  constexpr float kMinimumContrast = 40.0f;
  if (ink_level - paper_median < std::max(kMinimumContrast, 5 * paper_spread) ||
      strokes.size() * 5 > ink.values.size() * 3)
    return found;

  // The soft ink map: zero up to the paper's noise, full at the strokes' typical level.
  const float low = paper_median + 3 * paper_spread;
  std::vector<std::uint8_t> mask(ink.values.size());
  for (std::size_t i = 0; i < ink.values.size(); ++i) {
    mask[i] = ink.values[i] >= split;
    ink.values[i] = std::clamp((ink.values[i] - low) / (ink_level - low), 0.0f, 1.0f);
  }
  std::vector<int> label;
  found.strokes.resize(std::size_t(label_strokes(mask, ink.width, ink.height, label)));
  for (Stroke& s : found.strokes) s = {ink.width, -1, ink.height, -1, 0};
  // The soft ink within a pixel of a kept stroke belongs to it (its anti-aliased edge); the rest is specks.
  for (int y = 0; y < ink.height; ++y)
    for (int x = 0; x < ink.width; ++x) {
      if (ink.at(x, y) <= 0) {  // paper (most of the picture): no owner needed
        ink.at(x, y) = 0;
        continue;
      }
      int owner = -1;
      for (int ny = std::max(y - 1, 0); ny <= std::min(y + 1, ink.height - 1) && owner < 0; ++ny)
        for (int nx = std::max(x - 1, 0); nx <= std::min(x + 1, ink.width - 1) && owner < 0; ++nx)
          owner = label[std::size_t(ny) * ink.width + nx];
      if (label[std::size_t(y) * ink.width + x] >= 0) owner = label[std::size_t(y) * ink.width + x];
      if (owner < 0 || ink.at(x, y) <= 0) {
        ink.at(x, y) = 0;
        continue;
      }
      found.stroke[std::size_t(y) * ink.width + x] = owner;
      Stroke& s = found.strokes[std::size_t(owner)];
      s.x_min = std::min(s.x_min, x), s.x_max = std::max(s.x_max, x);
      s.y_min = std::min(s.y_min, y), s.y_max = std::max(s.y_max, y);
      ++s.area;
    }
  return found;
}

// Which ink makes one digit: some strokes, within columns [x_from, x_to) of the working plane (a cut
// between touching digits).
struct DigitInk {
  std::vector<int> strokes;
  int x_from = 0, x_to = 0;
};

// The digit of `part` as MNIST would have it.
PreparedDigit digit_field(const Ink& found, const DigitInk& part) {
  PreparedDigit prepared;
  prepared.inverted = found.inverted;
  prepared.field = {kDigitField, kDigitField, std::vector<std::uint8_t>(kDigitField * kDigitField, 0)};
  const Plane& ink = found.map;
  Plane mine{ink.width, ink.height, std::vector<float>(ink.values.size(), 0.0f)};
  int x_min = ink.width, x_max = -1, y_min = ink.height, y_max = -1;
  for (int y = 0; y < ink.height; ++y)
    for (int x = std::max(part.x_from, 0); x < std::min(part.x_to, ink.width); ++x) {
      const int owner = found.stroke[std::size_t(y) * ink.width + x];
      if (owner < 0 || std::find(part.strokes.begin(), part.strokes.end(), owner) == part.strokes.end()) continue;
      mine.at(x, y) = ink.at(x, y);
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  if (x_max < 0) return prepared;
  const int factor = found.factor;
  prepared.box = {x_min * factor, y_min * factor, std::min((x_max + 1) * factor, found.picture_width) - x_min * factor,
                  std::min((y_max + 1) * factor, found.picture_height) - y_min * factor};

  // Square by the longer side, the ink's box centred in it on whole box pixels (the centring below moves it
  // by whole pixels anyway; a fraction here would only blur), then each of the 20×20 target pixels is the
  // mean of the ink over the area it covers (area coverage: MNIST's anti-aliasing).
  const int width = x_max - x_min + 1, height = y_max - y_min + 1, side = std::max(width, height);
  const float step = float(side) / float(kDigitBox);
  const float left = float(x_min) - centring_margin(width, side, step),
              top = float(y_min) - centring_margin(height, side, step);
  std::array<float, kDigitBox * kDigitBox> box{};
  float brightest = 0;
  for (int v = 0; v < kDigitBox; ++v) {
    const auto rows = coverage(top + float(v) * step, top + float(v + 1) * step, ink.height);
    for (int u = 0; u < kDigitBox; ++u) {
      const auto columns = coverage(left + float(u) * step, left + float(u + 1) * step, ink.width);
      float sum = 0;
      for (const auto& [y, wy] : rows)
        for (const auto& [x, wx] : columns) sum += wy * wx * mine.at(x, y);
      box[std::size_t(v) * kDigitBox + u] = sum / (step * step);
      brightest = std::max(brightest, box[std::size_t(v) * kDigitBox + u]);
    }
  }
  if (!(brightest > 0)) return prepared;
  prepared.ink_found = true;

  // Full intensity, then the centre of mass moved by whole pixels onto the field's centre, the box kept
  // inside the field. With pixel centres at i + ½ that centre is 14.5, not 14: MNIST's test digits have
  // their centre of mass at 14.5 ± 0.29 on both axes (the spread of rounding to whole pixels), measured.
  double mass = 0, mass_x = 0, mass_y = 0;
  for (int v = 0; v < kDigitBox; ++v)
    for (int u = 0; u < kDigitBox; ++u) {
      float& value = box[std::size_t(v) * kDigitBox + u];
      value /= brightest;
      mass += value, mass_x += value * (u + 0.5), mass_y += value * (v + 0.5);
    }
  constexpr int kSlack = kDigitField - kDigitBox;
  constexpr double kCentre = kDigitField / 2 + 0.5;
  const int offset_x = std::clamp(int(std::lround(kCentre - mass_x / mass)), 0, kSlack);
  const int offset_y = std::clamp(int(std::lround(kCentre - mass_y / mass)), 0, kSlack);
  for (int v = 0; v < kDigitBox; ++v)
    for (int u = 0; u < kDigitBox; ++u)
      prepared.field.pixels[std::size_t(v + offset_y) * kDigitField + u + offset_x] =
          static_cast<std::uint8_t>(std::lround(255.0f * box[std::size_t(v) * kDigitBox + u]));
  return prepared;
}

// The extent of a digit's ink in working pixels.
Stroke extent_of(const Ink& found, const DigitInk& part) {
  Stroke extent{found.map.width, -1, found.map.height, -1, 0};
  for (const int s : part.strokes) {
    const Stroke& stroke = found.strokes[std::size_t(s)];
    extent.x_min = std::min(extent.x_min, std::max(stroke.x_min, part.x_from));
    extent.x_max = std::max(extent.x_max, std::min(stroke.x_max, part.x_to - 1));
    extent.y_min = std::min(extent.y_min, stroke.y_min);
    extent.y_max = std::max(extent.y_max, stroke.y_max);
    extent.area += stroke.area;
  }
  return extent;
}

// The strokes grouped into digits, left to right (see prepare_number).
std::vector<DigitInk> split_into_digits(const Ink& found) {
  const int width = found.map.width;
  std::vector<DigitInk> digits;
  for (int s = 0; s < int(found.strokes.size()); ++s) digits.push_back({{s}, 0, width});
  const auto by_left = [&](const DigitInk& a, const DigitInk& b) {
    return extent_of(found, a).x_min < extent_of(found, b).x_min;
  };
  const auto merge = [&](std::size_t into, std::size_t from) {
    digits[into].strokes.insert(digits[into].strokes.end(), digits[from].strokes.begin(), digits[from].strokes.end());
    digits.erase(digits.begin() + std::ptrdiff_t(from));
  };
  // Pieces stacked over each other are one digit (a stroke broken across): merge neighbours whose columns
  // overlap by half the narrower one's width.
  std::sort(digits.begin(), digits.end(), by_left);
  for (std::size_t i = 0; i + 1 < digits.size();) {
    const Stroke a = extent_of(found, digits[i]), b = extent_of(found, digits[i + 1]);
    const int overlap = std::min(a.x_max, b.x_max) - std::max(a.x_min, b.x_min) + 1;
    if (2 * overlap >= std::min(a.width(), b.width())) {
      merge(i, i + 1);
      i = i > 0 ? i - 1 : 0;
    } else {
      ++i;
    }
  }
  if (digits.empty()) return digits;
  // A piece much shorter than the tallest (under 60 % of its height: a 5's flag, a stroke broken
  // sideways) is part of the nearer neighbour when within a quarter of that height of it, and a stray
  // mark, dropped, when under 40 % and far from both. (The digits of one number are about equally tall;
  // the tallest, not the median, since fragments may outnumber digits.)
  int typical_height = 0;
  for (const DigitInk& d : digits) typical_height = std::max(typical_height, extent_of(found, d).height());
  for (std::size_t i = 0; i < digits.size() && digits.size() > 1;) {
    const Stroke piece = extent_of(found, digits[i]);
    if (5 * piece.height() >= 3 * typical_height) {
      ++i;
      continue;
    }
    const int gap_left = i > 0 ? piece.x_min - extent_of(found, digits[i - 1]).x_max : width;
    const int gap_right = i + 1 < digits.size() ? extent_of(found, digits[i + 1]).x_min - piece.x_max : width;
    if (4 * std::min(gap_left, gap_right) > typical_height) {
      if (5 * piece.height() < 2 * typical_height) {
        digits.erase(digits.begin() + std::ptrdiff_t(i));
      } else {
        ++i;
      }
    } else if (gap_left <= gap_right) {
      merge(i - 1, i);
      i = i - 1;
    } else {
      merge(i, i + 1);
    }
  }
  return digits;
}

// The ink of `digit` summed down each of its columns.
std::vector<float> column_ink(const Ink& found, const DigitInk& digit, const Stroke& extent) {
  std::vector<float> ink(std::size_t(extent.width()), 0.0f);
  for (int y = extent.y_min; y <= extent.y_max; ++y)
    for (int x = extent.x_min; x <= extent.x_max; ++x) {
      const int owner = found.stroke[std::size_t(y) * found.map.width + x];
      if (owner >= 0 && std::find(digit.strokes.begin(), digit.strokes.end(), owner) != digit.strokes.end())
        ink[std::size_t(x - extent.x_min)] += found.map.at(x, y);
    }
  return ink;
}

// Up to `count` columns between fractions `from` and `to` of the piece's width where its ink is thinnest
// (local minima, thinnest first, at least a tenth of the width apart): where touching digits may meet.
std::vector<int> thin_columns(const std::vector<float>& ink, const Stroke& extent, double from, double to,
                              std::size_t count) {
  const int first = extent.x_min + int(from * extent.width()), last = extent.x_min + int(to * extent.width());
  const auto at = [&](int x) { return ink[std::size_t(x - extent.x_min)]; };
  std::vector<int> minima;
  for (int x = first; x <= last; ++x)
    if ((x == first || at(x) <= at(x - 1)) && (x == last || at(x) <= at(x + 1))) minima.push_back(x);
  std::sort(minima.begin(), minima.end(), [&](int a, int b) { return at(a) < at(b); });
  std::vector<int> chosen;
  for (const int x : minima) {
    if (chosen.size() == count) break;
    if (std::all_of(chosen.begin(), chosen.end(), [&](int c) { return 10 * std::abs(c - x) >= extent.width(); }))
      chosen.push_back(x);
  }
  return chosen;
}

// log p, with log p interpolated linearly between the table's (x, p) points and held beyond its ends.
double log_interpolated(double x, std::initializer_list<std::pair<double, double>> table) {
  const auto* point = table.begin();
  if (x <= point->first) return std::log(point->second);
  for (const auto* next = point + 1; next != table.end(); point = next++) {
    if (x <= next->first) {
      const double t = (x - point->first) / (next->first - point->first);
      return (1 - t) * std::log(point->second) + t * std::log(next->second);
    }
  }
  return std::log(point->second);
}

// How plausible one digit's ink is by its shape alone, in units of the number's digit height H (its
// tallest piece): MNIST's digits have their longer side at the full height, so a digit is at most about as
// wide as H (two touching ones are wider), and a much smaller one is more likely a fragment of a broken
// digit.
double log_shape_prior(const Stroke& extent, int digit_height) {
  const double width = double(extent.width()) / digit_height;
  const double size = double(std::max(extent.width(), extent.height())) / digit_height;
  return log_interpolated(width, {{1.0, 1.0}, {1.1, 0.5}, {1.2, 0.1}, {1.35, 0.01}, {1.6, 1e-4}}) +
         log_interpolated(size, {{0.5, 0.02}, {0.7, 0.3}, {0.85, 1.0}});
}

// What a cut through connected ink costs, before recognition: touching digits are the exception.
const double kLogCutPrior = std::log(0.5);
// Neighbouring pieces whose columns overlap, or nearly (a twentieth of H), may be one broken digit.
constexpr double kNearGap = 0.05;

// One piece of ink read whole, and, when it is wide enough to be touching digits (at least 0.8 times as
// wide as tall, where 95 % of touching MNIST pairs are, or 0.7 H), cut once at each of its five thinnest
// middle columns; when wider still (1.6 times as tall, or 1.4 H), twice at the two thinnest columns of
// each of its outer thirds.
std::vector<InkSplit> splits_of_piece(const Ink& found, const DigitInk& digit, int digit_height) {
  std::vector<InkSplit> splits;
  const auto add = [&](const std::vector<DigitInk>& parts) {
    InkSplit split;
    split.log_prior = kLogCutPrior * double(parts.size() - 1);
    for (const DigitInk& part : parts) {
      split.digits.push_back(digit_field(found, part));
      if (!split.digits.back().ink_found) return;
      split.log_prior += log_shape_prior(extent_of(found, part), digit_height);
    }
    splits.push_back(std::move(split));
  };
  add({digit});
  const Stroke extent = extent_of(found, digit);
  const auto wider_than = [&](double aspect, double heights) {
    return extent.width() >= aspect * extent.height() || extent.width() >= heights * digit_height;
  };
  if (!wider_than(0.8, 0.7)) return splits;
  const std::vector<float> ink = column_ink(found, digit, extent);
  const auto part = [&](int from, int to) { return DigitInk{digit.strokes, from, to}; };
  for (const int middle : thin_columns(ink, extent, 0.15, 0.85, 5))
    add({part(digit.x_from, middle), part(middle, digit.x_to)});
  if (!wider_than(1.6, 1.4)) return splits;
  for (const int first : thin_columns(ink, extent, 0.2, 0.45, 2))
    for (const int second : thin_columns(ink, extent, 0.55, 0.8, 2))
      add({part(digit.x_from, first), part(first, second), part(second, digit.x_to)});
  return splits;
}

}  // namespace

PreparedDigit prepare_digit(const Image& picture, const PrepareOptions& options) {
  const Ink found = find_ink(picture, options, kDigitWorkingSide);
  DigitInk all{{}, 0, found.map.width};
  for (int s = 0; s < int(found.strokes.size()); ++s) all.strokes.push_back(s);
  PreparedDigit prepared = digit_field(found, all);
  prepared.inverted = found.inverted;
  return prepared;
}

NumberLayout segment_number(const Image& picture, const PrepareOptions& options) {
  const Ink found = find_ink(picture, options);
  const std::vector<DigitInk> pieces = split_into_digits(found);
  NumberLayout layout;
  layout.pieces = int(pieces.size());
  int digit_height = 1;
  for (const DigitInk& piece : pieces) digit_height = std::max(digit_height, extent_of(found, piece).height());
  // Between neighbours that may be one broken digit, recognition decides: joined or apart, alike before it
  // (log ½ either way); elsewhere they are apart.
  std::vector<double> log_apart(pieces.size(), 0.0), log_joined(pieces.size(), -INFINITY);
  for (std::size_t k = 0; k + 1 < pieces.size(); ++k) {
    const int gap = extent_of(found, pieces[k + 1]).x_min - extent_of(found, pieces[k]).x_max - 1;
    if (gap <= kNearGap * digit_height) log_apart[k] = log_joined[k] = std::log(0.5);
  }
  for (std::size_t first = 0; first < pieces.size(); ++first) {
    // The piece alone, then with up to two neighbours as one digit.
    DigitInk joined = pieces[first];
    double log_joins = 0;
    for (std::size_t last = first; last < pieces.size() && last < first + 3; ++last) {
      if (last > first) {
        if (!std::isfinite(log_joined[last - 1])) break;
        log_joins += log_joined[last - 1];
        joined.strokes.insert(joined.strokes.end(), pieces[last].strokes.begin(), pieces[last].strokes.end());
      }
      NumberSpan span{int(first), int(last), {}};
      if (last == first) {
        span.splits = splits_of_piece(found, joined, digit_height);
      } else {
        InkSplit whole{{digit_field(found, joined)}, log_joins + log_shape_prior(extent_of(found, joined), digit_height)};
        if (whole.digits[0].ink_found) span.splits.push_back(std::move(whole));
      }
      for (InkSplit& split : span.splits) split.log_prior += log_apart[last];
      if (!span.splits.empty()) layout.spans.push_back(std::move(span));
    }
  }
  return layout;
}

}  // namespace lenet5
