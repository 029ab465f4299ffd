// Random planar affine distortions (§III-B, Fig. 7): exact copies for the identity and integer shifts,
// hand-checked bilinear values, determinism for a seed, parameters within their ranges, and the digit kept
// inside the frame. Synthetic MNIST-like digits (anti-aliased, within a 20×20 box centred in 28×28), so no
// dataset is needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "data/distortion.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

constexpr int kSide = 28;
using Picture = std::vector<std::uint8_t>;

// Anti-aliased drawing: each pixel's ink is the fraction of 4×4 sub-samples the shape covers.
Picture draw(const std::function<bool(double, double)>& inside) {
  Picture picture(kSide * kSide);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      int covered = 0;
      for (int sy = 0; sy < 4; ++sy) {
        for (int sx = 0; sx < 4; ++sx) covered += inside(x - 0.375 + 0.25 * sx, y - 0.375 + 0.25 * sy);
      }
      picture[y * kSide + x] = static_cast<std::uint8_t>(covered * 255 / 16);
    }
  }
  return picture;
}

// A ring "0" with semi-axes rx, ry (outer edge) and a stroke 2.5 pixels thick, centred like MNIST's digits.
Picture ring(double rx, double ry) {
  return draw([=](double x, double y) {
    const double u = (x - 13.5) / rx, v = (y - 13.5) / ry;
    const double r = std::sqrt(u * u + v * v);
    return r <= 1.0 && r >= 1.0 - 2.5 / std::min(rx, ry);
  });
}

// A thick slanted "1": a stroke 3 pixels wide from (16, 4) to (11, 23).
Picture one() {
  return draw([](double x, double y) {
    const double ax = 16, ay = 4, bx = 11, by = 23;
    const double t = std::clamp(((x - ax) * (bx - ax) + (y - ay) * (by - ay)) /
                                    ((bx - ax) * (bx - ax) + (by - ay) * (by - ay)),
                                0.0, 1.0);
    const double dx = x - (ax + t * (bx - ax)), dy = y - (ay + t * (by - ay));
    return dx * dx + dy * dy <= 1.5 * 1.5;
  });
}

Picture noise(std::uint64_t seed) {
  Rng rng(seed);
  Picture picture(kSide * kSide);
  for (auto& pixel : picture) pixel = static_cast<std::uint8_t>(rng.below(256));
  return picture;
}

Picture resample(const Picture& in, const Distortion& map) {
  Picture out(in.size());
  distort(in.data(), kSide, kSide, map, out.data());
  return out;
}

double ink(const Picture& picture) {
  double sum = 0;
  for (const auto pixel : picture) sum += pixel;
  return sum;
}

TEST(DistortionTest, IdentityCopiesExactly) {
  const Picture in = noise(1);
  EXPECT_EQ(resample(in, Distortion{}), in);
  const Picture digit = ring(7, 9.5);
  EXPECT_EQ(resample(digit, affine_map(DistortionParams{})), digit);
}

TEST(DistortionTest, IntegerTranslationMovesPixelsExactly) {
  const Picture in = noise(2);
  DistortionParams shift;
  shift.translate_x = 2;
  shift.translate_y = -1;
  const Picture out = resample(in, affine_map(shift));
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const int from_x = x - 2, from_y = y + 1;
      const bool inside = from_x >= 0 && from_y < kSide;
      ASSERT_EQ(out[y * kSide + x], inside ? in[from_y * kSide + from_x] : 0) << "at " << x << "," << y;
    }
  }
  Picture in_place = in;  // `out` may be `in`
  distort(in_place.data(), kSide, kSide, affine_map(shift), in_place.data());
  EXPECT_EQ(in_place, out);
}

TEST(DistortionTest, BilinearByHandAtHalfPixelShifts) {
  Picture in(kSide * kSide, 0);
  in[5 * kSide + 1] = 100;
  in[5 * kSide + 2] = 200;
  in[5 * kSide + 3] = 1;
  DistortionParams half;
  half.translate_x = 0.5f;
  const Picture right = resample(in, affine_map(half));
  EXPECT_EQ(right[5 * kSide + 1], 50);   // (0 + 100) / 2
  EXPECT_EQ(right[5 * kSide + 2], 150);  // (100 + 200) / 2
  EXPECT_EQ(right[5 * kSide + 3], 101);  // (200 + 1) / 2 = 100.5, rounded half up
  EXPECT_EQ(right[5 * kSide + 4], 1);    // (1 + 0) / 2 = 0.5
  EXPECT_EQ(right[5 * kSide + 5], 0);
  EXPECT_EQ(right[4 * kSide + 2], 0);

  // Half a pixel both ways: each output pixel is the mean of a 2×2 block.
  Picture block(kSide * kSide, 0);
  block[10 * kSide + 10] = 10;
  block[10 * kSide + 11] = 20;
  block[11 * kSide + 10] = 30;
  block[11 * kSide + 11] = 41;
  half.translate_y = 0.5f;
  const Picture diagonal = resample(block, affine_map(half));
  EXPECT_EQ(diagonal[11 * kSide + 11], 25);  // (10 + 20 + 30 + 41) / 4 = 25.25
  EXPECT_EQ(diagonal[10 * kSide + 10], 3);   // 10 / 4 = 2.5, rounded half up
  EXPECT_EQ(diagonal[12 * kSide + 12], 10);  // 41 / 4 = 10.25
}

TEST(DistortionTest, HorizontalShearMovesEachRowByShearTimesItsHeightFromTheCentre) {
  // Shear k moves input point q to x = q_x + k·(q_y − c_y), c_y = 13.5. Single ink pixels:
  //   k = 0.4: row 21 moves 0.4·7.5 = +3 (x 10 → 13); row 6 moves 0.4·(−7.5) = −3 (x 20 → 17); both land on
  //   whole pixels (within float rounding, which the +0.5 rounding to bytes absorbs).
  //   k = 0.2: row 16 moves 0.2·2.5 = +0.5: a 200 at x 10 covers x 10 and 11 half each, 100 and 100.
  const auto single_pixel = [](int x, int y, std::uint8_t value) {
    Picture picture(kSide * kSide, 0);
    picture[y * kSide + x] = value;
    return picture;
  };
  DistortionParams shear;
  shear.shear = 0.4f;
  EXPECT_EQ(resample(single_pixel(10, 21, 255), affine_map(shear)), single_pixel(13, 21, 255));
  EXPECT_EQ(resample(single_pixel(20, 6, 255), affine_map(shear)), single_pixel(17, 6, 255));
  shear.shear = 0.2f;
  Picture halves = single_pixel(10, 16, 100);
  halves[16 * kSide + 11] = 100;
  EXPECT_EQ(resample(single_pixel(10, 16, 200), affine_map(shear)), halves);
}

TEST(DistortionTest, AnySizeAndAnyMapStaysInBounds) {
  // Odd sizes, maps far outside the image, huge zooms and a NaN: only background or in-range reads
  // (the sanitizer build checks the memory accesses).
  Rng rng(4);
  for (const auto& [width, height] : {std::pair{1, 1}, std::pair{5, 3}, std::pair{40, 33}, std::pair{28, 28}}) {
    Picture in(static_cast<std::size_t>(width) * height), out(in.size());
    for (auto& pixel : in) pixel = static_cast<std::uint8_t>(1 + rng.below(255));
    for (int i = 0; i < 200; ++i) {
      const Distortion map{rng.uniform(-8, 8), rng.uniform(-8, 8), rng.uniform(-8, 8), rng.uniform(-8, 8),
                           rng.uniform(-100, 100), rng.uniform(-100, 100)};
      distort(in.data(), width, height, map, out.data());
    }
    const Distortion away{1, 0, 0, 1, 1e6f, -1e6f};
    distort(in.data(), width, height, away, out.data());
    EXPECT_EQ(ink(out), 0) << width << "x" << height;
    const Distortion not_a_number{NAN, 0, 0, 1, 0, 0};
    distort(in.data(), width, height, not_a_number, out.data());
  }
}

TEST(DistortionTest, ParametersLieWithinTheirRangesAndCoverThem) {
  const DistortionRanges ranges;
  Rng rng(3);
  DistortionParams low{1e9f, 1e9f, 1e9f, 1e9f, 1e9f}, high{-1e9f, -1e9f, -1e9f, -1e9f, -1e9f};
  for (int i = 0; i < 10000; ++i) {
    const DistortionParams p = sample_distortion_params(ranges, rng);
    ASSERT_LE(std::abs(p.translate_x), ranges.max_translate_x);
    ASSERT_LE(std::abs(p.translate_y), ranges.max_translate_y);
    ASSERT_LE(std::abs(p.scale - 1.0f), ranges.max_scale + 1e-6f);
    ASSERT_LE(std::abs(p.squeeze - 1.0f), ranges.max_squeeze + 1e-6f);
    ASSERT_LE(std::abs(p.shear), ranges.max_shear);
    low = {std::min(low.translate_x, p.translate_x), std::min(low.translate_y, p.translate_y),
           std::min(low.scale, p.scale), std::min(low.squeeze, p.squeeze), std::min(low.shear, p.shear)};
    high = {std::max(high.translate_x, p.translate_x), std::max(high.translate_y, p.translate_y),
            std::max(high.scale, p.scale), std::max(high.squeeze, p.squeeze), std::max(high.shear, p.shear)};
  }
  // Uniform over the whole range: 10,000 draws reach within 1 % of both ends.
  EXPECT_LT(low.translate_x, -0.99f * ranges.max_translate_x);
  EXPECT_GT(high.translate_y, 0.99f * ranges.max_translate_y);
  EXPECT_LT(low.scale, 1.0f - 0.99f * ranges.max_scale);
  EXPECT_GT(high.scale, 1.0f + 0.99f * ranges.max_scale);
  EXPECT_LT(low.squeeze, 1.0f - 0.99f * ranges.max_squeeze);
  EXPECT_GT(high.squeeze, 1.0f + 0.99f * ranges.max_squeeze);
  EXPECT_LT(low.shear, -0.99f * ranges.max_shear);
  EXPECT_GT(high.shear, 0.99f * ranges.max_shear);
}

TEST(DistortionTest, MapInvertsTheForwardTransform) {
  // p = σ·diag(ρ, 1/ρ)·[[1, k], [0, 1]]·(q − c) + c + t; the map must send p back to q.
  const DistortionParams p{1.5f, -0.75f, 1.08f, 0.9f, 0.15f};
  const Distortion map = affine_map(p);
  const float c = 13.5f;
  const float qx = 6.0f, qy = 20.0f;
  const float sheared_x = (qx - c) + p.shear * (qy - c), sheared_y = qy - c;
  const float px = p.scale * p.squeeze * sheared_x + c + p.translate_x;
  const float py = p.scale / p.squeeze * sheared_y + c + p.translate_y;
  EXPECT_NEAR(map.a * (px - c) + map.b * (py - c) + c + map.tx, qx, 1e-4);
  EXPECT_NEAR(map.c * (px - c) + map.d * (py - c) + c + map.ty, qy, 1e-4);
}

// Width and height of the ink's bounding box.
std::pair<int, int> ink_box(const Picture& picture) {
  int x_min = kSide, x_max = -1, y_min = kSide, y_max = -1;
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      if (picture[y * kSide + x] < 128) continue;
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  }
  return {x_max - x_min + 1, y_max - y_min + 1};
}

TEST(DistortionTest, SqueezeAboveOneWidensAndShortens) {
  const Picture digit = ring(6, 9);
  DistortionParams squeeze;
  squeeze.squeeze = 1.15f;
  const auto [width, height] = ink_box(digit);
  const auto [wide, short_] = ink_box(resample(digit, affine_map(squeeze)));
  EXPECT_EQ(width, 12);
  EXPECT_EQ(height, 18);
  EXPECT_EQ(wide, 14);    // 12 · 1.15 ≈ 13.8
  EXPECT_EQ(short_, 16);  // 18 / 1.15 ≈ 15.7
}

// A single pixel of ink (200) at (x, y).
Picture dot(int x, int y, std::uint8_t value = 200) {
  Picture picture(kSide * kSide, 0);
  picture[std::size_t(y) * kSide + x] = value;
  return picture;
}

Picture stroke_changed(const Picture& in, float w) {
  Picture out(in.size());
  change_stroke_width(in.data(), kSide, kSide, w, out.data());
  return out;
}

TEST(DistortionTest, StrokeWidthGrowsAndShrinksByWholeAndPartSteps) {
  // One step of thickening spreads a pixel to its four neighbours (a plus, not a square); two steps to the
  // diamond of distance 2; half a step gives the neighbours half of it (100 of 200).
  Picture plus = dot(10, 10);
  for (const auto& [x, y] : {std::pair{9, 10}, {11, 10}, {10, 9}, {10, 11}}) plus[std::size_t(y) * kSide + x] = 200;
  EXPECT_EQ(stroke_changed(dot(10, 10), 1.0f), plus);
  Picture diamond(kSide * kSide, 0);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      if (std::abs(x - 10) + std::abs(y - 10) <= 2) diamond[std::size_t(y) * kSide + x] = 200;
  EXPECT_EQ(stroke_changed(dot(10, 10), 2.0f), diamond);
  Picture half = plus;
  for (auto& value : half) value = value == 200 ? 100 : 0;
  half[10 * kSide + 10] = 200;
  EXPECT_EQ(stroke_changed(dot(10, 10), 0.5f), half);
  // Thinning is its mirror: the plus loses its arms in one step, the diamond its outer ring (half of it in
  // half a step); a bar 3
  // wide becomes 1 wide; beyond the image is background, so ink at the border thins too.
  EXPECT_EQ(stroke_changed(plus, -1.0f), dot(10, 10));
  EXPECT_EQ(stroke_changed(diamond, -1.0f), plus);
  EXPECT_EQ(stroke_changed(diamond, -0.5f)[10 * kSide + 12], 100);
  EXPECT_EQ(stroke_changed(dot(0, 5), 0.0f), dot(0, 5));
  Picture bar(kSide * kSide, 0), thin(kSide * kSide, 0);
  for (int y = 0; y < kSide; ++y)
    for (int x = 5; x < 8; ++x) bar[std::size_t(y) * kSide + x] = 255, thin[std::size_t(y) * kSide + 6] = 255;
  thin[6] = thin[(kSide - 1) * kSide + 6] = 0;
  EXPECT_EQ(stroke_changed(bar, -1.0f), thin);
}

TEST(DistortionTest, InstancesChangeTheStrokeWidthOnlyWhenAsked) {
  // The same draw with and without a stroke range: the affine part is the same, the stroke width not.
  DistortionRanges with_strokes;
  with_strokes.max_stroke = 1.0f;
  const Picture digit = one();
  double thicker = 0, thinner = 0;
  for (std::uint32_t k = 1; k < 10; ++k) {
    Picture plain(digit.size()), stroked(digit.size());
    make_instance(DistortionRanges{}, 5, 2, k, digit.data(), kSide, kSide, plain.data());
    make_instance(with_strokes, 5, 2, k, digit.data(), kSide, kSide, stroked.data());
    const DistortionParams params = distortion_params_for(with_strokes, 5, 2, k);
    EXPECT_EQ(distortion_params_for(DistortionRanges{}, 5, 2, k).stroke, 0.0f);
    ASSERT_GT(std::abs(params.stroke), 0.0f);
    ASSERT_LE(std::abs(params.stroke), 1.0f);
    (params.stroke > 0 ? thicker : thinner) += 1;
    EXPECT_EQ(params.stroke > 0, ink(stroked) > ink(plain)) << k;
  }
  EXPECT_GT(thicker, 0);
  EXPECT_GT(thinner, 0);
}

TEST(DistortionTest, SameSeedGivesSameBytesAndOtherSeedsDiffer) {
  const DistortionRanges ranges;
  const Picture digit = one();
  auto instance = [&](std::uint64_t seed, std::uint32_t example, std::uint32_t k) {
    Picture out(digit.size());
    make_instance(ranges, seed, example, k, digit.data(), kSide, kSide, out.data());
    return out;
  };
  const Picture reference = instance(7, 3, 4);
  EXPECT_EQ(instance(7, 3, 4), reference);
  EXPECT_NE(instance(8, 3, 4), reference);
  EXPECT_NE(instance(7, 4, 4), reference);
  EXPECT_NE(instance(7, 3, 5), reference);
  EXPECT_EQ(instance(7, 3, 0), digit);  // instance 0 is the original

  Rng first(11), second(11);
  const Distortion a = sample_distortion(ranges, first), b = sample_distortion(ranges, second);
  EXPECT_EQ(std::vector<float>({a.a, a.b, a.c, a.d, a.tx, a.ty}), std::vector<float>({b.a, b.b, b.c, b.d, b.tx, b.ty}));
}

// 2,000 instances of each digit, including a ring that fills the whole 20×20 box so that the largest draws
// cannot fit by translation alone: the outermost rows and columns stay background, and the total ink equals
// the original's times the map's area factor (nothing is cut off).
TEST(DistortionTest, InkStaysInsideTheFrame) {
  const DistortionRanges ranges;
  const std::vector<Picture> digits = {ring(7, 9.5), ring(9.5, 9.5), one()};
  int clamped = 0, shrunk = 0, samples = 0;
  for (std::size_t which = 0; which < digits.size(); ++which) {
    const Picture& digit = digits[which];
    double worst_error = 0, mean_error = 0;
    for (std::uint32_t i = 0; i < 2000; ++i) {
      const Distortion sampled = distortion_for(ranges, 99 + which, i, 1 + i % 9);
      const FittedDistortion fitted = fit_in_frame(sampled, digit.data(), kSide, kSide);
      clamped += fitted.fit == FrameFit::translation_clamped;
      shrunk += fitted.fit == FrameFit::shrunk;
      ++samples;
      const Picture out = resample(digit, fitted.map);
      for (int k = 0; k < kSide; ++k) {
        ASSERT_EQ(out[k], 0) << "top edge, digit " << which << " sample " << i;
        ASSERT_EQ(out[(kSide - 1) * kSide + k], 0) << "bottom edge, digit " << which << " sample " << i;
        ASSERT_EQ(out[k * kSide], 0) << "left edge, digit " << which << " sample " << i;
        ASSERT_EQ(out[k * kSide + kSide - 1], 0) << "right edge, digit " << which << " sample " << i;
      }
      const Distortion& m = fitted.map;
      const double area = 1.0 / (static_cast<double>(m.a) * m.d - static_cast<double>(m.b) * m.c);
      const double error = ink(out) / (ink(digit) * area) - 1.0;
      worst_error = std::max(worst_error, std::abs(error));
      mean_error += error / 2000;
    }
    // Bilinear resampling of a sharp stroke gains or loses a few percent of ink depending on its sub-pixel
    // phase (up to 4 % for the "1" here), but none goes missing on average.
    EXPECT_LT(worst_error, 0.05) << "digit " << which;
    EXPECT_LT(std::abs(mean_error), 0.003) << "digit " << which;
  }
  // Both adjustments happen, and most draws need neither.
  EXPECT_GT(clamped, 0);
  EXPECT_GT(shrunk, 0);
  EXPECT_LT(clamped + shrunk, samples / 2);
}

TEST(DistortionTest, FitLeavesBlankImagesAndRejectsSingularMaps) {
  const Picture blank(kSide * kSide, 0);
  Distortion far;
  far.tx = 100;
  const FittedDistortion fitted = fit_in_frame(far, blank.data(), kSide, kSide);
  EXPECT_EQ(fitted.fit, FrameFit::fits);
  EXPECT_EQ(fitted.map.tx, 100);
  const Picture digit = one();
  EXPECT_THROW(fit_in_frame(Distortion{1, 2, 2, 4, 0, 0}, digit.data(), kSide, kSide), Error);
  Picture out(digit.size());
  EXPECT_THROW(distort(digit.data(), 0, kSide, Distortion{}, out.data()), Error);
}

TEST(DistortionTest, EachPassShowsEveryExampleOnceAndEachInstanceTwiceIn20Passes) {
  for (std::uint32_t example : {0u, 1u, 59999u}) {
    for (std::uint32_t block = 0; block < 2; ++block) {
      std::set<std::uint32_t> seen;
      for (std::uint32_t pass = 10 * block; pass < 10 * block + 10; ++pass) {
        seen.insert(instance_in_pass(5, example, pass));
      }
      EXPECT_EQ(seen.size(), kInstancesPerExample) << "example " << example << " block " << block;
      EXPECT_EQ(*seen.rbegin(), kInstancesPerExample - 1);
    }
    EXPECT_EQ(instance_in_pass(5, example, 3), instance_in_pass(5, example, 3));
  }
  // Orders differ between examples (and so do the pass blocks of one example, usually).
  int same = 0;
  for (std::uint32_t example = 0; example < 100; ++example) {
    same += instance_in_pass(5, example, 0) == instance_in_pass(5, example + 1, 0);
  }
  EXPECT_LT(same, 30);
}

TEST(DistortionTest, GridShowsOriginalsThenInstancesDarkOnWhite) {
  Dataset dataset;
  dataset.count = 2;
  dataset.rows = kSide;
  dataset.cols = kSide;
  const Picture zero = ring(7, 9.5), digit_one = one();
  dataset.images = zero;
  dataset.images.insert(dataset.images.end(), digit_one.begin(), digit_one.end());
  dataset.labels = {0, 1};
  const GreyImage grid = distortion_grid(dataset, 5, 3, 1);
  EXPECT_EQ(grid.width, 2 + 4 * (kSide + 2));
  EXPECT_EQ(grid.height, 2 + 2 * (kSide + 2));
  EXPECT_EQ(grid.pixels[0], 160);  // gap grey
  // Second row, first column: the original "1", inverted.
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      ASSERT_EQ(grid.pixels[(2 + kSide + 2 + y) * grid.width + 2 + x], 255 - digit_one[y * kSide + x]);
    }
  }
}

}  // namespace
}  // namespace lenet5
