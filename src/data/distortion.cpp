// Random planar affine distortions (LeCun et al. 1998, §III-B, Fig. 7). See distortion.hpp and
// docs/distortions.md.
#include "data/distortion.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

// Distinct salts keep the distortion streams and the instance-order streams of one seed apart.
constexpr std::uint64_t kDistortionSalt = 0x6C656E6574354466ull;  // "lenet5Df"
constexpr std::uint64_t kOrderSalt = 0x6C656E657435304Full;       // "lenet50O"

// SplitMix64's finaliser: a bijection on 64 bits, so distinct (a, b) give distinct keys for one seed.
std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t stream_key(std::uint64_t seed, std::uint64_t salt, std::uint32_t a, std::uint32_t b) {
  return splitmix64(splitmix64(seed ^ salt) ^ ((std::uint64_t{a} << 32) | b));
}

void check_size(int width, int height) {
  if (width < 1 || height < 1) {
    std::string message = "distortion: image size ";
    message += std::to_string(width) + "x" + std::to_string(height) + " is not positive";
    throw Error(message);
  }
}

float centre_of(int side) { return 0.5f * static_cast<float>(side - 1); }

}  // namespace

DistortionParams sample_distortion_params(const DistortionRanges& ranges, Rng& rng) {
  // §III-B lists the transforms but not their ranges; each parameter is independent and uniform.
  DistortionParams params;
  params.translate_x = rng.uniform(-ranges.max_translate_x, ranges.max_translate_x);
  params.translate_y = rng.uniform(-ranges.max_translate_y, ranges.max_translate_y);
  params.scale = 1.0f + rng.uniform(-ranges.max_scale, ranges.max_scale);
  params.squeeze = 1.0f + rng.uniform(-ranges.max_squeeze, ranges.max_squeeze);
  params.shear = rng.uniform(-ranges.max_shear, ranges.max_shear);
  params.stroke = rng.uniform(-ranges.max_stroke, ranges.max_stroke);  // drawn last: the others stay as they were
  return params;
}

Distortion affine_map(const DistortionParams& params) {
  // Forward M = σ · diag(ρ, 1/ρ) · [[1, k], [0, 1]], so M⁻¹ = (1/σ) · [[1/ρ, −k·ρ], [0, ρ]]; with
  // p = M(q − c) + c + t, the input point is q = M⁻¹(p − c) + c − M⁻¹·t.
  const float sigma = params.scale;
  const float rho = params.squeeze;
  Distortion map;
  map.a = 1.0f / (sigma * rho);
  map.b = -params.shear * rho / sigma;
  map.c = 0.0f;
  map.d = rho / sigma;
  map.tx = -(map.a * params.translate_x + map.b * params.translate_y);
  map.ty = -(map.c * params.translate_x + map.d * params.translate_y);
  return map;
}

Distortion sample_distortion(const DistortionRanges& ranges, Rng& rng) {
  return affine_map(sample_distortion_params(ranges, rng));
}

DistortionParams distortion_params_for(const DistortionRanges& ranges, std::uint64_t seed, std::uint32_t example,
                                       std::uint32_t instance) {
  Rng rng(stream_key(seed, kDistortionSalt, example, instance));
  return sample_distortion_params(ranges, rng);
}

Distortion distortion_for(const DistortionRanges& ranges, std::uint64_t seed, std::uint32_t example,
                          std::uint32_t instance) {
  return affine_map(distortion_params_for(ranges, seed, example, instance));
}

void change_stroke_width(const std::uint8_t* in, int width, int height, float w, std::uint8_t* out) {
  check_size(width, height);
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  thread_local std::vector<std::uint8_t> before, after;
  after.assign(in, in + pixels);
  before = after;
  const bool thicken = w > 0;
  const int steps = static_cast<int>(std::ceil(std::abs(w)));
  for (int step = 0; step < steps; ++step) {
    std::swap(before, after);
    const auto at = [&](int x, int y) -> std::uint8_t {
      return x < 0 || y < 0 || x >= width || y >= height ? 0 : before[std::size_t(y) * width + x];
    };
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const auto values = {at(x, y), at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1)};
        after[std::size_t(y) * width + x] = thicken ? std::max(values) : std::min(values);
      }
  }
  // The last step counts by its fraction f: before + f·(after − before) (f = 1 when w is whole).
  const float fraction = std::abs(w) - static_cast<float>(steps - 1);
  for (std::size_t i = 0; i < pixels; ++i)
    out[i] = static_cast<std::uint8_t>(std::lround(float(before[i]) + fraction * float(after[i] - before[i])));
}

FittedDistortion fit_in_frame(const Distortion& map, const std::uint8_t* image, int width, int height) {
  check_size(width, height);
  const double det = static_cast<double>(map.a) * map.d - static_cast<double>(map.b) * map.c;
  if (!std::isfinite(det) || std::abs(det) < 1e-6) throw Error("distortion: the map is singular");

  // Bounding box of the ink (non-zero pixels): skip blank rows whole, scan inked ones from both ends.
  int x_min = width, x_max = -1, y_min = height, y_max = -1;
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = image + static_cast<std::ptrdiff_t>(y) * width;
    unsigned any = 0;
    for (int x = 0; x < width; ++x) any |= row[x];
    if (any == 0) continue;
    int first = 0, last = width - 1;
    while (row[first] == 0) ++first;
    while (row[last] == 0) --last;
    x_min = std::min(x_min, first);
    x_max = std::max(x_max, last);
    y_min = std::min(y_min, y);
    y_max = y;
  }
  if (x_max < 0) return {map, FrameFit::fits};

  // The forward linear part M = A⁻¹; output point p = M(q − c) + c + s with forward translation s = −M·τ.
  const double cx = centre_of(width), cy = centre_of(height);
  const double m00 = map.d / det, m01 = -map.b / det, m10 = -map.c / det, m11 = map.a / det;
  // Extent of the transformed support box (grown by one pixel for the bilinear footprint) about the centre.
  double lo_x = INFINITY, hi_x = -INFINITY, lo_y = INFINITY, hi_y = -INFINITY;
  for (const int qx : {x_min - 1, x_max + 1}) {
    for (const int qy : {y_min - 1, y_max + 1}) {
      const double px = m00 * (qx - cx) + m01 * (qy - cy);
      const double py = m10 * (qx - cx) + m11 * (qy - cy);
      lo_x = std::min(lo_x, px);
      hi_x = std::max(hi_x, px);
      lo_y = std::min(lo_y, py);
      hi_y = std::max(hi_y, py);
    }
  }

  FittedDistortion fitted{map, FrameFit::fits};
  const double frame_x = width - 1, frame_y = height - 1;
  const double shrink = std::min({1.0, frame_x / (hi_x - lo_x), frame_y / (hi_y - lo_y)});
  if (shrink < 1.0) {
    // Scaling M by `shrink` about the centre scales the extent by it too; A becomes A / shrink.
    lo_x *= shrink, hi_x *= shrink, lo_y *= shrink, hi_y *= shrink;
    fitted.map.a = static_cast<float>(map.a / shrink);
    fitted.map.b = static_cast<float>(map.b / shrink);
    fitted.map.c = static_cast<float>(map.c / shrink);
    fitted.map.d = static_cast<float>(map.d / shrink);
    fitted.fit = FrameFit::shrunk;
  }

  // Allowed forward translations: the box [c + lo + s, c + hi + s] within [0, frame].
  const double s_x = -(m00 * map.tx + m01 * map.ty);
  const double s_y = -(m10 * map.tx + m11 * map.ty);
  auto clamp_shift = [](double shift, double low, double high) {
    return low <= high ? std::clamp(shift, low, high) : 0.5 * (low + high);
  };
  const double fitted_x = clamp_shift(s_x, -cx - lo_x, frame_x - cx - hi_x);
  const double fitted_y = clamp_shift(s_y, -cy - lo_y, frame_y - cy - hi_y);
  if (fitted.fit == FrameFit::fits && fitted_x == s_x && fitted_y == s_y) return fitted;
  if (fitted.fit == FrameFit::fits) fitted.fit = FrameFit::translation_clamped;
  const Distortion& m = fitted.map;
  fitted.map.tx = static_cast<float>(-(m.a * fitted_x + m.b * fitted_y));
  fitted.map.ty = static_cast<float>(-(m.c * fitted_x + m.d * fitted_y));
  return fitted;
}

void distort(const std::uint8_t* in, int width, int height, const Distortion& map, std::uint8_t* out) {
  check_size(width, height);
  // Per-thread scratch, so training does not allocate here. `bordered` is the input with a background border
  // (one column and row before, two after); in its coordinates (the image's plus one) a position clamped to
  // [0, side + 1] has all four bilinear neighbours inside it and truncation is floor. `quads` packs each
  // pixel's 2×2 neighbourhood into one 32-bit word, so the branch-free loop over all pixels below vectorises
  // with one gather per pixel instead of four.
  struct Scratch {
    int width = 0, height = 0;
    std::vector<float> dx, dy, values;
    std::vector<std::uint8_t> bordered;
    std::vector<std::uint32_t> quads;
  };
  thread_local Scratch scratch;
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  const int below = width + 3;
  // Quads for positions up to (side + 1, side + 1); the last one reads the buffer's last byte.
  const std::size_t quad_count = static_cast<std::size_t>(below) * (height + 2) - 1;
  if (scratch.width != width || scratch.height != height) {
    scratch.width = width;
    scratch.height = height;
    scratch.dx.resize(pixels);
    scratch.dy.resize(pixels);
    scratch.values.resize(pixels);
    for (std::size_t i = 0; i < pixels; ++i) {
      scratch.dx[i] = static_cast<float>(i % width) - centre_of(width);
      scratch.dy[i] = static_cast<float>(i / width) - centre_of(height);
    }
    scratch.bordered.assign(static_cast<std::size_t>(below) * (height + 3), 0);
    scratch.quads.resize(quad_count);
  }
  for (int y = 0; y < height; ++y) {  // the border stays background
    std::memcpy(scratch.bordered.data() + static_cast<std::ptrdiff_t>(y + 1) * below + 1,
                in + static_cast<std::ptrdiff_t>(y) * width, static_cast<std::size_t>(width));
  }
  const std::uint8_t* bordered = scratch.bordered.data();
  std::uint32_t* quads = scratch.quads.data();
  for (std::size_t k = 0; k < quad_count; ++k) {
    quads[k] = static_cast<std::uint32_t>(bordered[k]) | static_cast<std::uint32_t>(bordered[k + 1]) << 8 |
               static_cast<std::uint32_t>(bordered[k + below]) << 16 |
               static_cast<std::uint32_t>(bordered[k + below + 1]) << 24;
  }
  const float* dx = scratch.dx.data();
  const float* dy = scratch.dy.data();
  float* values = scratch.values.data();
  // Local copies: `out` is bytes, which may alias anything, so fields read through `map` would be reloaded.
  const float a = map.a, b = map.b, c = map.c, d = map.d;
  const float origin_x = centre_of(width) + map.tx + 1.0f, origin_y = centre_of(height) + map.ty + 1.0f;
  const float last_x = static_cast<float>(width + 1), last_y = static_cast<float>(height + 1);
  // Floats first, bytes after: a loop that stores bytes would be vectorised 64 pixels at a time, too wide here.
#pragma omp simd
  for (std::size_t i = 0; i < pixels; ++i) {
    // Beyond the image every neighbour is background, so clamping changes nothing; std::max(0, NaN) is 0.
    const float sx = std::min(last_x, std::max(0.0f, a * dx[i] + b * dy[i] + origin_x));
    const float sy = std::min(last_y, std::max(0.0f, c * dx[i] + d * dy[i] + origin_y));
    const int ix = static_cast<int>(sx), iy = static_cast<int>(sy);
    const float fx = sx - static_cast<float>(ix), fy = sy - static_cast<float>(iy);
    const std::uint32_t quad = quads[iy * below + ix];
    const auto byte = [quad](int shift) { return static_cast<float>((quad >> shift) & 0xFFu); };
    // Written as p + f·(q − p) so that f = 0 gives p exactly: the identity and integer shifts copy bytes.
    const float top = byte(0) + fx * (byte(8) - byte(0));
    const float bottom = byte(16) + fx * (byte(24) - byte(16));
    values[i] = top + fy * (bottom - top);
  }
  for (std::size_t i = 0; i < pixels; ++i) {
    out[i] = static_cast<std::uint8_t>(std::min(values[i] + 0.5f, 255.0f));  // round to nearest
  }
}

std::uint32_t instance_in_pass(std::uint64_t seed, std::uint32_t example, std::uint32_t pass) {
  std::array<std::uint32_t, kInstancesPerExample> order;
  std::iota(order.begin(), order.end(), 0u);
  Rng rng(stream_key(seed, kOrderSalt, example, pass / kInstancesPerExample));
  for (std::uint32_t i = kInstancesPerExample - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  return order[pass % kInstancesPerExample];
}

void make_instance(const DistortionRanges& ranges, std::uint64_t seed, std::uint32_t example,
                   std::uint32_t instance, const std::uint8_t* in, int width, int height, std::uint8_t* out) {
  check_size(width, height);
  if (instance == 0) {
    std::memcpy(out, in, static_cast<std::size_t>(width) * height);
    return;
  }
  const DistortionParams params = distortion_params_for(ranges, seed, example, instance);
  if (params.stroke != 0.0f) {
    change_stroke_width(in, width, height, params.stroke, out);
    in = out;
  }
  const FittedDistortion fitted = fit_in_frame(affine_map(params), in, width, height);
  distort(in, width, height, fitted.map, out);
}

GreyImage distortion_grid(const Dataset& dataset, std::size_t examples, int per_example, std::uint64_t seed) {
  return distortion_grid(dataset, examples, per_example, seed, DistortionRanges{});
}

GreyImage distortion_grid(const Dataset& dataset, std::size_t examples, int per_example, std::uint64_t seed,
                          const DistortionRanges& ranges) {
  constexpr int kGap = 2;
  constexpr std::uint8_t kGapGrey = 160;
  const std::size_t rows = std::min(examples, dataset.count);
  if (rows == 0 || per_example < 0 || dataset.rows < 1 || dataset.cols < 1) {
    throw Error("distortion grid: needs at least one example and a non-negative number of instances");
  }
  const int columns = per_example + 1;
  GreyImage grid;
  grid.width = kGap + columns * (dataset.cols + kGap);
  grid.height = kGap + static_cast<int>(rows) * (dataset.rows + kGap);
  grid.pixels.assign(static_cast<std::size_t>(grid.width) * grid.height, kGapGrey);
  std::vector<std::uint8_t> cell(static_cast<std::size_t>(dataset.rows) * dataset.cols);
  for (std::size_t row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      make_instance(ranges, seed, static_cast<std::uint32_t>(row), static_cast<std::uint32_t>(column),
                    dataset.image(row).data(), dataset.cols, dataset.rows, cell.data());
      const int left = kGap + column * (dataset.cols + kGap);
      const int top = kGap + static_cast<int>(row) * (dataset.rows + kGap);
      for (int y = 0; y < dataset.rows; ++y) {
        for (int x = 0; x < dataset.cols; ++x) {
          // MNIST bytes are ink = 255; a picture is ink = black.
          grid.pixels[static_cast<std::size_t>(top + y) * grid.width + left + x] =
              static_cast<std::uint8_t>(255 - cell[static_cast<std::size_t>(y) * dataset.cols + x]);
        }
      }
    }
  }
  return grid;
}

}  // namespace lenet5
