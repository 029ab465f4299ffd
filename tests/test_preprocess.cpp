// Pictures as MNIST-style digits (lenet5/preprocess.hpp): the procedure on shapes whose 28×28 result can be
// worked out by hand, and the same result whatever the paper, ink, lighting, size or alpha of the picture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "lenet5/error.hpp"
#include "lenet5/model.hpp"
#include "lenet5/preprocess.hpp"
#include "lenet5/reading.hpp"

namespace lenet5 {
namespace {

// A grey picture of `paper` with ink of `ink` on the cells that `is_ink(x, y)` picks.
template <class IsInk>
Image picture(int width, int height, std::uint8_t paper, std::uint8_t ink, IsInk is_ink) {
  Image image{width, height, 1, std::vector<std::uint8_t>(std::size_t(width) * height)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) image.pixels[std::size_t(y) * width + x] = is_ink(x, y) ? ink : paper;
  return image;
}

// A "7" in a 40×40 picture, 13 wide and 20 tall: a bar at x 10–22, y 7–10 and a stem at x 18–21,
// y 11–26; drawn `scale` times larger.
bool is_seven(int x, int y) { return (x >= 10 && x < 23 && y >= 7 && y < 11) || (x >= 18 && x < 22 && y >= 11 && y < 27); }
Image seven(std::uint8_t paper, std::uint8_t ink, int scale = 1) {
  return picture(40 * scale, 40 * scale, paper, ink, [scale](int x, int y) { return is_seven(x / scale, y / scale); });
}

// Worked by hand for the 7: its longer side is already 20, so the 20×20 box holds it unscaled, centred on
// whole pixels: (20 − 13) / 2 → 3 columns left of it. In the box the bar covers columns 3–15, rows 0–3
// (52 pixels, centres averaging (9.5, 2)) and the stem columns 11–14, rows 4–19 (64 pixels, (13, 12)).
// The centre of mass (pixel centres at i + ½) is (1326/116, 872/116) = (11.43, 7.52); moved onto the
// field's centre (14.5, 14.5) by whole pixels: round(3.07) = 3, round(6.98) = 7. So the field is 255 on
// the bar at columns 6–18, rows 7–10 and the stem at columns 14–17, rows 11–26, 0 elsewhere.
GreyImage expected_seven_field() {
  GreyImage field{28, 28, std::vector<std::uint8_t>(28 * 28, 0)};
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      if ((x >= 6 && x <= 18 && y >= 7 && y <= 10) || (x >= 14 && x <= 17 && y >= 11 && y <= 26))
        field.pixels[std::size_t(y) * 28 + x] = 255;
  return field;
}

void expect_field(const PreparedDigit& prepared, const GreyImage& expected, int tolerance = 0) {
  ASSERT_TRUE(prepared.ink_found);
  ASSERT_EQ(prepared.field.width, 28);
  ASSERT_EQ(prepared.field.height, 28);
  for (int i = 0; i < 28 * 28; ++i)
    ASSERT_NEAR(prepared.field.pixels[i], expected.pixels[i], tolerance) << "at x " << i % 28 << ", y " << i / 28;
}

TEST(PrepareDigit, DarkInkOnPaperBecomesMnistsBoxAndCentreOfMass) {
  const PreparedDigit prepared = prepare_digit(seven(255, 0));
  expect_field(prepared, expected_seven_field());
  EXPECT_TRUE(prepared.inverted);
  EXPECT_EQ(prepared.box.x, 10);
  EXPECT_EQ(prepared.box.y, 7);
  EXPECT_EQ(prepared.box.width, 13);
  EXPECT_EQ(prepared.box.height, 20);
}

TEST(PrepareDigit, LightInkOnDarkIsReadTheSameWithoutInverting) {
  const PreparedDigit prepared = prepare_digit(seven(0, 255));
  expect_field(prepared, expected_seven_field());
  EXPECT_FALSE(prepared.inverted);
}

TEST(PrepareDigit, PolarityCanBeForced) {
  // Forced the wrong way round the paper becomes the "ink": the whole picture, not the 7.
  EXPECT_TRUE(prepare_digit(seven(255, 0), {Polarity::dark_ink}).inverted);
  const PreparedDigit wrong = prepare_digit(seven(255, 0), {Polarity::light_ink});
  EXPECT_FALSE(wrong.inverted);
  EXPECT_NE(wrong.field.pixels, expected_seven_field().pixels);
}

TEST(PrepareDigit, AreaCoverageShrinksALargerPictureToTheSameField) {
  // Five times larger: each box pixel the mean of 5 × 5 picture pixels, all ink or all paper.
  const PreparedDigit prepared = prepare_digit(seven(255, 0, 5));
  expect_field(prepared, expected_seven_field());
  EXPECT_EQ(prepared.box.x, 50);
  EXPECT_EQ(prepared.box.width, 65);
  // Larger than one digit's working size (256): reduced first (here by 4, 960 / 256 rounded up, which
  // keeps the 7's edges on block edges), the box still in the picture's own pixels.
  const PreparedDigit large = prepare_digit(seven(255, 0, 24));
  expect_field(large, expected_seven_field(), 1);
  EXPECT_EQ(large.box.x, 240);
  EXPECT_EQ(large.box.width, 312);
}

TEST(PrepareDigit, AreaCoverageGivesPartlyCoveredPixelsTheirShare) {
  // A bar 11 wide and 40 tall (x 20–30, y 10–49): the square side is 40, each box pixel covers 2 × 2
  // picture pixels, and the bar starts 14 pixels into the square ((40 − 11) / 2), so box columns 7–11 are
  // all ink and column 12 covers x 30–31, half ink: 127.5, rounded to 128. The centring moves the columns
  // but keeps 5 × 20 pixels at 255, 20 at 128 and the rest at 0.
  const Image bar = picture(60, 60, 255, 0, [](int x, int y) { return x >= 20 && x < 31 && y >= 10 && y < 50; });
  const PreparedDigit prepared = prepare_digit(bar);
  ASSERT_TRUE(prepared.ink_found);
  int full = 0, half = 0, empty = 0;
  for (const std::uint8_t v : prepared.field.pixels) {
    full += v == 255;
    half += v == 128;
    empty += v == 0;
  }
  EXPECT_EQ(full, 5 * 20);
  EXPECT_EQ(half, 20);
  EXPECT_EQ(empty, 28 * 28 - 6 * 20);
}

TEST(PrepareDigit, UnevenLightingTintNoiseAndSpecksDoNotChangeTheDigit) {
  // Paper fading from 130 to 250 across the picture, ink 90 darker than the paper under it, noise of a few
  // levels, and a 2×2 speck far from the digit: the same 7.
  Rng rng(3);
  Image photo = seven(0, 0, 4);
  for (int y = 0; y < photo.height; ++y)
    for (int x = 0; x < photo.width; ++x) {
      const bool ink = is_seven(x / 4, y / 4);
      const bool speck = x >= 150 && x < 152 && y >= 150 && y < 152;
      const float paper = 130.0f + 120.0f * float(x) / float(photo.width);
      const float noise = rng.uniform(-4.0f, 4.0f) + rng.uniform(-4.0f, 4.0f);
      photo.pixels[std::size_t(y) * photo.width + x] =
          static_cast<std::uint8_t>(std::lround(std::clamp(paper - (ink || speck ? 90.0f : 0.0f) + noise, 0.0f, 255.0f)));
    }
  const PreparedDigit prepared = prepare_digit(photo);
  ASSERT_TRUE(prepared.ink_found);
  // Noise moves the strokes' soft edges by a fraction of a box pixel: the field stays within a few grey
  // levels of the clean one on average, and the box within a picture pixel.
  const GreyImage clean = expected_seven_field();
  double difference = 0;
  for (int i = 0; i < 28 * 28; ++i) difference += std::abs(int(prepared.field.pixels[i]) - int(clean.pixels[i]));
  EXPECT_LT(difference / (28 * 28), 6.0);
  EXPECT_NEAR(prepared.box.x, 40, 1);
  EXPECT_NEAR(prepared.box.y, 28, 1);
  EXPECT_NEAR(prepared.box.width, 52, 2);
  EXPECT_NEAR(prepared.box.height, 80, 2);
}

TEST(PrepareDigit, AStrokeThickerThanTheLightingBlocksIsInkThroughout) {
  // A marker's 7 (its rectangles grown by 3 pixels: strokes 10 wide in a 40-pixel picture), and the same
  // ten times larger, where the strokes are four of the 25-pixel blocks the paper is measured in wide, so
  // that whole blocks and their neighbours are ink: the same solid digit, not a hollow one.
  const auto marker = [](int x, int y) {
    return (x >= 7 && x < 26 && y >= 4 && y < 14) || (x >= 15 && x < 25 && y >= 8 && y < 30);
  };
  const PreparedDigit small = prepare_digit(picture(40, 40, 255, 0, marker));
  const PreparedDigit large = prepare_digit(picture(400, 400, 255, 0, [&](int x, int y) { return marker(x / 10, y / 10); }));
  expect_field(large, small.field, 8);
}

TEST(PrepareDigit, ColourAndTransparencyAreReadAsInkOnPaper) {
  // Blue ink on yellow paper (RGB), and black strokes on a transparent canvas (RGBA, as web canvases save).
  const Image grey = seven(255, 0);
  Image coloured{40, 40, 3, {}}, canvas{40, 40, 4, {}};
  for (const std::uint8_t v : grey.pixels) {
    const bool ink = v == 0;
    for (const std::uint8_t c : ink ? std::vector<std::uint8_t>{20, 30, 160} : std::vector<std::uint8_t>{250, 240, 150})
      coloured.pixels.push_back(c);
    for (const std::uint8_t c : {std::uint8_t(0), std::uint8_t(0), std::uint8_t(0), std::uint8_t(ink ? 255 : 0)})
      canvas.pixels.push_back(c);
  }
  expect_field(prepare_digit(coloured), expected_seven_field());
  expect_field(prepare_digit(canvas), expected_seven_field());
}

TEST(PrepareDigit, APageWithoutADigitHasNoInk) {
  const auto blank = [](int, int) { return false; };
  const auto everywhere = [](int, int) { return true; };
  for (const Image& page : {picture(50, 40, 255, 0, blank), picture(50, 40, 0, 255, everywhere),
                            picture(1, 1, 255, 0, blank), picture(1, 1, 0, 0, everywhere)}) {
    const PreparedDigit prepared = prepare_digit(page);
    EXPECT_FALSE(prepared.ink_found) << page.width << "x" << page.height;
    EXPECT_EQ(prepared.field.pixels, std::vector<std::uint8_t>(28 * 28, 0));
  }
  // Noise alone (JPEG-like ±10 around a grey) is not ink.
  Rng rng(8);
  Image noise = picture(64, 64, 200, 0, blank);
  for (std::uint8_t& v : noise.pixels) v = static_cast<std::uint8_t>(200 + int(rng.below(21)) - 10);
  EXPECT_FALSE(prepare_digit(noise).ink_found);
  // Faint marks, 20 levels off the paper, are not a digit either.
  EXPECT_FALSE(prepare_digit(seven(200, 180)).ink_found);
}

TEST(PrepareDigit, RejectsAnEmptyOrMalformedImage) {
  EXPECT_THROW(prepare_digit(Image{}), Error);
  EXPECT_THROW(prepare_digit(Image{2, 2, 1, std::vector<std::uint8_t>(3)}), Error);
}

}  // namespace
}  // namespace lenet5

namespace lenet5 {
namespace {

// The 7 of the tests above shifted right by `dx` in a picture `width` wide, dark on paper.
bool is_seven_at(int x, int y, int dx) { return is_seven(x - dx, y); }

// The spans of `layout` over pieces [first, last].
const NumberSpan& span_of(const NumberLayout& layout, int first, int last) {
  for (const NumberSpan& span : layout.spans)
    if (span.first == first && span.last == last) return span;
  throw Error("no span " + std::to_string(first) + "-" + std::to_string(last));
}

bool has_span(const NumberLayout& layout, int first, int last) {
  return std::any_of(layout.spans.begin(), layout.spans.end(),
                     [&](const NumberSpan& span) { return span.first == first && span.last == last; });
}

TEST(SegmentNumber, SeparateDigitsAreSeparatePiecesLeftToRight) {
  // Two 7s 14 pixels apart (x 10–22 and 36–48): two pieces, each read whole only (0.65 times as wide as
  // tall, narrower than touching digits), each its own 7's field, at no cost (as wide and tall as MNIST's
  // digits); too far apart to be one broken digit.
  const Image two = picture(80, 40, 255, 0, [](int x, int y) { return is_seven_at(x, y, 0) || is_seven_at(x, y, 26); });
  const NumberLayout layout = segment_number(two);
  ASSERT_EQ(layout.pieces, 2);
  ASSERT_EQ(layout.spans.size(), 2u);
  for (int piece = 0; piece < 2; ++piece) {
    const NumberSpan& span = span_of(layout, piece, piece);
    ASSERT_EQ(span.splits.size(), 1u);
    ASSERT_EQ(span.splits[0].digits.size(), 1u);
    EXPECT_EQ(span.splits[0].log_prior, 0.0);
    EXPECT_EQ(span.splits[0].digits[0].field.pixels, expected_seven_field().pixels);
    EXPECT_EQ(span.splits[0].digits[0].box.x, piece == 0 ? 10 : 36);
  }
}

TEST(SegmentNumber, AShortDetachedStrokeJoinsItsDigitAndAStrayDotIsDropped) {
  // A flag (4×5, under 60 % of the 7's height) two pixels right of the 7's bar joins it; a 2×2 dot far
  // away (40 pixels right) is dropped; a blank page has no pieces.
  const Image flagged = picture(90, 40, 255, 0, [](int x, int y) {
    return is_seven(x, y) || (x >= 25 && x < 29 && y >= 7 && y < 12) || (x >= 70 && x < 72 && y >= 20 && y < 22);
  });
  const NumberLayout layout = segment_number(flagged);
  ASSERT_EQ(layout.pieces, 1);
  const PixelBox box = span_of(layout, 0, 0).splits[0].digits[0].box;
  EXPECT_EQ(box.x, 10);
  EXPECT_EQ(box.width, 19);
  EXPECT_EQ(segment_number(picture(50, 40, 255, 0, [](int, int) { return false; })).pieces, 0);
}

TEST(SegmentNumber, TouchingDigitsComeWithCutsAndTheWideWholeCostsMore) {
  // Two 7s touching (the second's bar starts where the first's stem ends): one piece 25 wide and 20 tall,
  // read whole first, then cut in two; each cut's two boxes split the piece's columns between them.
  const Image touching = picture(60, 40, 255, 0, [](int x, int y) { return is_seven_at(x, y, 0) || is_seven_at(x, y, 12); });
  const NumberLayout layout = segment_number(touching);
  ASSERT_EQ(layout.pieces, 1);
  const auto& splits = span_of(layout, 0, 0).splits;
  ASSERT_GE(splits.size(), 2u);
  ASSERT_EQ(splits[0].digits.size(), 1u);
  EXPECT_EQ(splits[0].digits[0].box.width, 25);
  // Whole, 1.25 times as wide as the number's digits are tall, which MNIST's digits hardly are: a third of
  // the way from × 0.1 at 1.2 to × 0.01 at 1.35, on the log scale.
  EXPECT_NEAR(splits[0].log_prior, 2.0 / 3 * std::log(0.1) + 1.0 / 3 * std::log(0.01), 1e-9);
  bool cut_between_the_sevens = false;
  for (std::size_t a = 1; a < splits.size(); ++a) {
    ASSERT_EQ(splits[a].digits.size(), 2u);
    const PixelBox left = splits[a].digits[0].box, right = splits[a].digits[1].box;
    EXPECT_EQ(left.x, 10);
    EXPECT_EQ(left.x + left.width, right.x);
    EXPECT_EQ(right.x + right.width, 35);
    // A cut costs ½, and parts of digits' shapes nothing more.
    if (right.x == 22 || right.x == 23) {
      cut_between_the_sevens = true;
      EXPECT_NEAR(splits[a].log_prior, std::log(0.5), 1e-9) << right.x;
    }
    EXPECT_LE(splits[a].log_prior, std::log(0.5) + 1e-9);
  }
  EXPECT_TRUE(cut_between_the_sevens);
}

TEST(SegmentNumber, PiecesWhoseColumnsOverlapMayBeOneBrokenDigit) {
  // A 0 broken in two, all 20 tall: "[" at x 10–17 and "]" at x 16–27, whose top bar runs two rows below
  // the first's, so that they share columns 16–17 (under half of either's width: not stacked) without
  // touching; and a bar 8 pixels to the right of them. The first two may be one digit (18 wide: no cost
  // for its shape), joined or apart alike (× ½ either way); the bar is apart, at no cost.
  const Image broken = picture(60, 40, 255, 0, [](int x, int y) {
    if (y < 10 || y >= 30) return false;
    const bool left = (x >= 10 && x < 13) || (x >= 10 && x < 18 && (y < 12 || y >= 28));
    const bool right = (x >= 25 && x < 28) || (x >= 16 && x < 28 && (y == 13 || y == 14 || (y >= 28 && x >= 20)));
    return left || right || (x >= 36 && x < 44);
  });
  const NumberLayout layout = segment_number(broken);
  ASSERT_EQ(layout.pieces, 3);
  EXPECT_TRUE(has_span(layout, 0, 1));
  EXPECT_FALSE(has_span(layout, 1, 2));
  EXPECT_FALSE(has_span(layout, 0, 2));
  EXPECT_NEAR(span_of(layout, 0, 1).splits.at(0).log_prior, std::log(0.5), 1e-9);
  EXPECT_EQ(span_of(layout, 0, 1).splits.at(0).digits.at(0).box.width, 18);
  EXPECT_NEAR(span_of(layout, 0, 0).splits.at(0).log_prior, std::log(0.5), 1e-9);
  EXPECT_EQ(span_of(layout, 1, 1).splits.at(0).log_prior, 0.0);
}

// The labels read_number finds in `picture` with the shipped modern model.
std::string number_read(const Image& picture) {
  static const Classifier classifier(load_model(LENET5_SOURCE_DIR "/models/lenet5-modern.model"));
  std::string number;
  for (const DigitReading& digit : read_number(classifier, picture)) number += char('0' + digit.label);
  return number;
}

TEST(ReadNumber, TouchingDigitsAreCutAndSeparateOnesReadInOrder) {
  // The shipped model reads the blocky 7 as a 7. Touching, the two are one piece too wide for one digit:
  // the cut wins. Apart, each is read. A blank page has no digits.
  const auto scaled = [](auto is_ink, int scale) { return [=](int x, int y) { return is_ink(x / scale, y / scale); }; };
  ASSERT_EQ(number_read(seven(255, 0, 4)), "7");
  EXPECT_EQ(number_read(picture(240, 160, 255, 0, scaled([](int x, int y) { return is_seven_at(x, y, 0) || is_seven_at(x, y, 12); }, 4))), "77");
  EXPECT_EQ(number_read(picture(320, 160, 255, 0, scaled([](int x, int y) { return is_seven_at(x, y, 0) || is_seven_at(x, y, 26); }, 4))), "77");
  EXPECT_EQ(number_read(picture(50, 40, 255, 0, [](int, int) { return false; })), "");
  // Two posts 14 wide and 20 tall. Joined at the bottom (a U) the model reads them as one digit, 90 % sure;
  // cut between the posts, as two 1s, surely, but a cut costs (× ½), so the whole stands. Joined at the top
  // (a gate: a 1 and a 7 touching), it reads them whole as no digit (all ten classes at 0.1: the model was
  // trained on touching pairs as no class), so the cut wins.
  const auto posts = [](int x, int y) { return y >= 5 && y < 25 && ((x >= 5 && x < 8) || (x >= 16 && x < 19)); };
  const auto u = [&](int x, int y) { return posts(x, y) || (y >= 22 && y < 25 && x >= 5 && x < 19); };
  const auto gate = [&](int x, int y) { return posts(x, y) || (y >= 5 && y < 8 && x >= 5 && x < 19); };
  EXPECT_EQ(number_read(picture(160, 160, 255, 0, scaled(u, 4))).size(), 1u);
  EXPECT_EQ(number_read(picture(160, 160, 255, 0, scaled(gate, 4))), "17");
}

}  // namespace
}  // namespace lenet5
