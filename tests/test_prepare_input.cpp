// The plain preparation (lenet5/preprocess.hpp): letterbox geometry worked out by hand on non-square
// pictures, area coverage, polarity only when asked; and prepare_input choosing by the model's record.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "lenet5/error.hpp"
#include "lenet5/preprocess.hpp"

namespace lenet5 {
namespace {

// A grey picture whose pixel (x, y) is value(x, y).
template <class Value>
Image grey_picture(int width, int height, Value value) {
  Image image{width, height, 1, std::vector<std::uint8_t>(std::size_t(width) * height)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) image.pixels[std::size_t(y) * width + x] = static_cast<std::uint8_t>(value(x, y));
  return image;
}

std::uint8_t at(const PreparedDigit& prepared, int x, int y) { return prepared.field.pixels[std::size_t(y) * 28 + x]; }

TEST(PreparePlain, AWidePictureIsLetterboxedIntoTheField) {
  // 56×28: the longer side spans the field, 2 picture pixels a field pixel; the 14 rows it fills are
  // centred, (28 − 14) / 2 = 7 background rows above and below. Its left half (100) and right half (200)
  // land in field columns 0–13 and 14–27.
  const PreparedDigit prepared = prepare_plain(grey_picture(56, 28, [](int x, int) { return x < 28 ? 100 : 200; }));
  ASSERT_TRUE(prepared.ink_found);
  ASSERT_EQ(prepared.field.width, 28);
  ASSERT_EQ(prepared.field.height, 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      ASSERT_EQ(at(prepared, x, y), y < 7 || y >= 21 ? 0 : x < 14 ? 100 : 200) << "at x " << x << ", y " << y;
  EXPECT_EQ(prepared.box.x, 0);
  EXPECT_EQ(prepared.box.y, 0);
  EXPECT_EQ(prepared.box.width, 56);
  EXPECT_EQ(prepared.box.height, 28);
  EXPECT_FALSE(prepared.inverted);
}

TEST(PreparePlain, ATallPictureIsCentredOnWholeFieldPixels) {
  // 30×40: 40 / 28 = 1.43 picture pixels a field pixel, so its 30 columns fill 21 field columns; centring
  // them would leave 3.5 on each side, rounded down to whole pixels: 3 before (columns 3–23), 4 after.
  const PreparedDigit prepared = prepare_plain(grey_picture(30, 40, [](int, int) { return 255; }));
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      ASSERT_EQ(at(prepared, x, y), x >= 3 && x <= 23 ? 255 : 0) << "at x " << x << ", y " << y;
}

TEST(PreparePlain, AreaCoverageAveragesWhatEachFieldPixelCovers) {
  // 84×84 stripes, one column in three 255: each field pixel covers 3×3 picture pixels, one column of them
  // lit, 85. A 28×28 picture is its own field, pixel for pixel.
  const PreparedDigit striped = prepare_plain(grey_picture(84, 84, [](int x, int) { return x % 3 == 0 ? 255 : 0; }));
  EXPECT_EQ(striped.field.pixels, std::vector<std::uint8_t>(28 * 28, 85));
  const Image own = grey_picture(28, 28, [](int x, int y) { return x * 9 + y / 3; });
  EXPECT_EQ(prepare_plain(own).field.pixels, own.pixels);
}

TEST(PreparePlain, KeepsTheGreyLevelsUnlessToldTheInkIsDark) {
  const Image picture = grey_picture(28, 28, [](int x, int y) { return x * 9 + y / 3; });
  for (const Polarity polarity : {Polarity::automatic, Polarity::light_ink})
    EXPECT_EQ(prepare_plain(picture, {polarity}).field.pixels, picture.pixels);
  const PreparedDigit inverted = prepare_plain(picture, {Polarity::dark_ink});
  EXPECT_TRUE(inverted.inverted);
  for (std::size_t i = 0; i < picture.pixels.size(); ++i) ASSERT_EQ(inverted.field.pixels[i], 255 - picture.pixels[i]);
  // Inverted, the letterbox's background is still 0: the bars are outside the picture, not its paper.
  const PreparedDigit wide = prepare_plain(grey_picture(56, 28, [](int, int) { return 255; }), {Polarity::dark_ink});
  EXPECT_EQ(wide.field.pixels, std::vector<std::uint8_t>(28 * 28, 0));
}

TEST(PreparePlain, RejectsAnEmptyOrMalformedImage) {
  EXPECT_THROW(prepare_plain(Image{}), Error);
  EXPECT_THROW(prepare_plain(Image{2, 2, 1, std::vector<std::uint8_t>(3)}), Error);
}

// A colour model's frame: the picture's R, G, B planes letterboxed alike into the model's image shape
// (non-square frames too); grey pictures replicated; transparency composited onto white.
TEST(PreparePlain, ColourFramesKeepTheChannels) {
  // Red on the left, blue on the right: 2×1 into 4×4 spans the width (step ½) and rows 1–2 (top margin 1).
  const Image red_blue{2, 1, 3, {255, 0, 0, 0, 0, 255}};
  PrepareOptions options;
  options.image = {3, 4, 4};
  const PreparedDigit prepared = prepare_plain(red_blue, options);
  EXPECT_EQ(prepared.channels, 3);
  const std::vector<std::uint8_t> r{0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0};
  const std::vector<std::uint8_t> b{0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0};
  std::vector<std::uint8_t> expected = r;
  expected.insert(expected.end(), 16, 0);
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(prepared.field.pixels, expected);

  // A 1×2 grey picture into a 3-channel 2×4 frame of its shape: each pixel 2×2, the same in R, G and B.
  options.image = {3, 4, 2};
  const PreparedDigit grey = prepare_plain(Image{1, 2, 1, {10, 20}}, options);
  EXPECT_EQ(grey.field.width, 2);
  EXPECT_EQ(grey.field.height, 4);
  const std::vector<std::uint8_t> plane{10, 10, 10, 10, 20, 20, 20, 20};
  for (int c = 0; c < 3; ++c)
    EXPECT_EQ(std::vector<std::uint8_t>(grey.field.pixels.begin() + c * 8, grey.field.pixels.begin() + (c + 1) * 8), plane) << c;

  options.image = {3, 1, 1};
  const PreparedDigit clear = prepare_plain(Image{1, 1, 4, {0, 0, 0, 0}}, options);
  EXPECT_EQ(clear.field.pixels, (std::vector<std::uint8_t>{255, 255, 255}));
  options.image = {2, 4, 4};
  EXPECT_THROW(prepare_plain(red_blue, options), Error);
}

TEST(PrepareInput, AppliesThePreparationItIsGiven) {
  // A dark bar on white paper: the digit procedure finds the bar (inverted, cropped, scaled up); the plain
  // one keeps the whole white page.
  const Image bar = grey_picture(40, 40, [](int x, int y) { return x >= 18 && x < 22 && y >= 10 && y < 30 ? 0 : 255; });
  EXPECT_EQ(prepare_input(bar, InputPreparation::digit).field.pixels, prepare_digit(bar).field.pixels);
  EXPECT_EQ(prepare_input(bar, InputPreparation::plain).field.pixels, prepare_plain(bar).field.pixels);
  EXPECT_NE(prepare_digit(bar).field.pixels, prepare_plain(bar).field.pixels);
  EXPECT_EQ(at(prepare_plain(bar), 0, 0), 255);
  EXPECT_EQ(at(prepare_digit(bar), 0, 0), 0);
}

TEST(PrepareInput, NamesReadBack) {
  for (const InputPreparation preparation : {InputPreparation::digit, InputPreparation::plain})
    EXPECT_EQ(parse_input_preparation(to_string(preparation)), preparation);
  EXPECT_EQ(to_string(InputPreparation::plain), "plain");
  EXPECT_EQ(parse_input_preparation("Plain"), std::nullopt);
  EXPECT_EQ(parse_input_preparation(""), std::nullopt);
}

}  // namespace
}  // namespace lenet5
