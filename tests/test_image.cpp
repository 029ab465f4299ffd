// Reading PGM and PNG files as grey bytes, and writing them back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <png.h>
#include <stdlib.h>

#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "io/atomic_file.hpp"
#include "test_util.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"

namespace lenet5 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A PNG made with libpng directly, for inputs our own writer never produces.
struct TestPng {
  int width = 0;
  int height = 0;
  int colour_type = PNG_COLOR_TYPE_GRAY;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<std::uint8_t> raster{};  // rows as stored in the file
  std::vector<png_color> palette{};
  std::vector<png_byte> transparency{};  // tRNS for palette entries
};

// Holds no C++ objects across setjmp.
bool encode_test_png(png_structp png, png_infop info, const TestPng& image) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height),
               image.bit_depth, image.colour_type, image.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!image.palette.empty()) png_set_PLTE(png, info, image.palette.data(), static_cast<int>(image.palette.size()));
  if (!image.transparency.empty()) {
    png_set_tRNS(png, info, image.transparency.data(), static_cast<int>(image.transparency.size()), nullptr);
  }
  png_write_info(png, info);
  const std::size_t row_bytes = image.raster.size() / static_cast<std::size_t>(image.height);
  const int passes = png_set_interlace_handling(png);
  for (int pass = 0; pass < passes; ++pass) {
    for (int y = 0; y < image.height; ++y) png_write_row(png, image.raster.data() + y * row_bytes);
  }
  png_write_end(png, nullptr);
  return true;
}

void write_test_png(const TestPng& image, const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, file);
  const bool written = encode_test_png(png, info, image);
  png_destroy_write_struct(&png, &info);
  std::fclose(file);
  ASSERT_TRUE(written) << path;
}

using lenet5::testing_util::error_from;

class ImageFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "lenet5-image-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string file(const std::string& name) const { return (directory_ / name).string(); }
  std::string file_with(const std::string& name, const std::string& contents) const {
    std::ofstream(file(name), std::ios::binary) << contents;
    return file(name);
  }
  std::string read_error(const std::string& name, const std::string& contents) const {
    return error_from([&] { read_image(file_with(name, contents)); });
  }

 private:
  fs::path directory_;
};

GreyImage gradient(int width, int height) {
  GreyImage image{width, height, {}};
  for (int i = 0; i < width * height; ++i) image.pixels.push_back(static_cast<std::uint8_t>(i * 37 % 256));
  return image;
}

void expect_same(const GreyImage& actual, const GreyImage& expected) {
  EXPECT_EQ(actual.width, expected.width);
  EXPECT_EQ(actual.height, expected.height);
  EXPECT_EQ(actual.pixels, expected.pixels);
}

TEST_F(ImageFile, PgmRoundTrip) {
  const GreyImage image = gradient(7, 5);
  write_pgm(image, file("a.pgm"));
  const std::vector<std::uint8_t> bytes = read_whole_file(file("a.pgm"), std::size_t{1} << 30);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 11), "P5\n7 5\n255\n");
  expect_same(read_image(file("a.pgm")), image);
}

TEST_F(ImageFile, PngRoundTrip) {
  const GreyImage image = gradient(19, 3);
  write_png(image, file("a.png"));
  expect_same(read_image(file("a.png")), image);
}

TEST_F(ImageFile, FormatIsDetectedByContentNotName) {
  const GreyImage image = gradient(4, 4);
  write_png(image, file("really-a-png.pgm"));
  expect_same(read_image(file("really-a-png.pgm")), image);
}

TEST_F(ImageFile, PlainPgmWithComments) {
  const GreyImage image = read_image(file_with("plain.pgm", "P2\n# made by hand\n3 2 # width height\n15\n0 5 10\n15#c\n 7\t1\n"));
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.height, 2);
  EXPECT_THAT(image.pixels, ElementsAre(0, 85, 170, 255, 119, 17));  // × 255/15
}

TEST_F(ImageFile, BinaryPgmWithCommentBeforeTheRaster) {
  const GreyImage image = read_image(file_with("c.pgm", std::string("P5 2 1 255#note\n") + "\x01\xFE"));
  EXPECT_THAT(image.pixels, ElementsAre(1, 254));
}

TEST_F(ImageFile, SixteenBitPgmIsBigEndianAndRounded) {
  const GreyImage wide = read_image(file_with("w.pgm", std::string("P5\n4 1\n65535\n") +
                                                           std::string("\x00\x00\xFF\xFF\x80\x00\x01\x01", 8)));
  EXPECT_THAT(wide.pixels, ElementsAre(0, 255, 128, 1));
  const GreyImage odd = read_image(file_with("o.pgm", std::string("P5 2 1 1000\n") + std::string("\x01\xF4\x03\xE8", 4)));
  EXPECT_THAT(odd.pixels, ElementsAre(128, 255));  // 500 and 1000 of 1000
}

// Found while fuzzing: tiny files claiming the largest allowed size must fail before the allocation.
TEST_F(ImageFile, SizesClaimedBeyondTheFileAreRejectedBeforeAllocating) {
  EXPECT_THAT(read_error("huge.pgm", "P5\n8192 8192\n255\n"),
              HasSubstr("huge.pgm: truncated PGM (a 8192x8192 image cannot fit in 17 bytes)"));
  EXPECT_THAT(read_error("huge2.pgm", "P2\n8192 8192\n255\n0 0"), HasSubstr("cannot fit in"));
  // A PNG signature, an IHDR chunk claiming 8192×8192 8-bit grey (the most pixels allowed), a token IDAT,
  // then IEND: 60 bytes.
  const auto chunk = [](const std::string& kind, const std::string& body) {
    std::string out;
    for (int shift : {24, 16, 8, 0}) out += static_cast<char>((body.size() >> shift) & 0xFF);
    const std::string typed = kind + body;
    const auto crc = crc32(0, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()));
    out += typed;
    for (int shift : {24, 16, 8, 0}) out += static_cast<char>((crc >> shift) & 0xFF);
    return out;
  };
  const std::string ihdr = std::string("\0\0\x20\0\0\0\x20\0", 8) + std::string("\x08\0\0\0\0", 5);
  const std::string png = "\x89PNG\r\n\x1a\n" + chunk("IHDR", ihdr) + chunk("IDAT", "\x78\x9c\x03\x00") + chunk("IEND", "");
  EXPECT_THAT(read_error("huge.png", png), HasSubstr("huge.png: invalid PNG: a 8192x8192 image cannot fit in 60 bytes"));
}

TEST_F(ImageFile, PgmErrors) {
  EXPECT_THAT(read_error("t.pgm", "P5\n4 4\n255\n0123456789"),
              HasSubstr("t.pgm: truncated PGM (a 4x4 image needs 16 bytes of samples but 10 follow the header)"));
  EXPECT_THAT(read_error("t2.pgm", "P2 2 2 255\n1 2 3"), HasSubstr("truncated PGM (the file ends after 3 of the 4"));
  EXPECT_THAT(read_error("h.pgm", "P5 3 "), HasSubstr("h.pgm: truncated PGM (the file ends before the height)"));
  EXPECT_THAT(read_error("e.pgm", "P5 3 3 255"), HasSubstr("truncated PGM (the file ends after the header)"));
  EXPECT_THAT(read_error("v.pgm", "P2 2 1 10\n3 11\n"), HasSubstr("PGM sample 1 is 11, over the maxval 10"));
  EXPECT_THAT(read_error("z.pgm", "P5 0 3 255\n"), HasSubstr("image width 0 is out of range (1 to 16384)"));
  EXPECT_THAT(read_error("b.pgm", "P5 3 20000 255\n"), HasSubstr("image height 20000 is out of range"));
  EXPECT_THAT(read_error("m.pgm", "P5 3 3 70000\n"), HasSubstr("PGM maxval 70000 is out of range (1 to 65535)"));
  EXPECT_THAT(read_error("x.pgm", "P5 3x 3 255\n"), HasSubstr("malformed PGM header"));
  EXPECT_THAT(read_error("n.pgm", "P5 12345678901 3 255\n"), HasSubstr("malformed PGM header"));
}

TEST_F(ImageFile, RgbPngBecomesLuminance) {
  write_test_png({.width = 4, .height = 1, .colour_type = PNG_COLOR_TYPE_RGB,
                  .raster = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}},
                 file("rgb.png"));
  // BT.601: 0.299 R + 0.587 G + 0.114 B, rounded.
  EXPECT_THAT(read_image(file("rgb.png")).pixels, ElementsAre(76, 150, 29, 18));
}

TEST_F(ImageFile, AlphaIsCompositedOnWhite) {
  write_test_png({.width = 3, .height = 1, .colour_type = PNG_COLOR_TYPE_GRAY_ALPHA,
                  .raster = {0, 0, 0, 255, 100, 128}},
                 file("ga.png"));
  // 100·128/255 + 255·127/255 = 177.2
  EXPECT_THAT(read_image(file("ga.png")).pixels, ElementsAre(255, 0, 177));
}

TEST_F(ImageFile, PaletteWithTransparencyAndLowBitDepth) {
  write_test_png({.width = 4, .height = 1, .colour_type = PNG_COLOR_TYPE_PALETTE, .bit_depth = 2,
                  .raster = {0b00'01'10'11},
                  .palette = {{0, 0, 0}, {255, 255, 255}, {200, 200, 200}, {0, 0, 0}},
                  .transparency = {255, 255, 255, 0}},
                 file("palette.png"));
  EXPECT_THAT(read_image(file("palette.png")).pixels, ElementsAre(0, 255, 200, 255));
}

TEST_F(ImageFile, SixteenBitAndInterlacedPng) {
  write_test_png({.width = 3, .height = 1, .bit_depth = 16, .raster = {0x00, 0x00, 0xFF, 0xFF, 0x80, 0x00}},
                 file("16.png"));
  EXPECT_THAT(read_image(file("16.png")).pixels, ElementsAre(0, 255, 128));

  const GreyImage image = gradient(9, 9);
  write_test_png({.width = 9, .height = 9, .interlaced = true, .raster = image.pixels}, file("adam7.png"));
  expect_same(read_image(file("adam7.png")), image);
}

TEST_F(ImageFile, PngErrors) {
  write_png(gradient(32, 32), file("good.png"));
  const std::vector<std::uint8_t> bytes = read_whole_file(file("good.png"), std::size_t{1} << 30);
  const std::string png(bytes.begin(), bytes.end());
  EXPECT_THAT(read_error("cut.png", png.substr(0, png.size() / 2)), HasSubstr("cut.png: invalid PNG: "));
  std::string damaged = png;
  damaged[20] ^= 0x01;  // inside IHDR, so its CRC no longer matches
  EXPECT_THAT(read_error("crc.png", damaged), HasSubstr("crc.png: invalid PNG: "));

  write_test_png({.width = 20000, .height = 1, .raster = std::vector<std::uint8_t>(20000)}, file("wide.png"));
  EXPECT_THAT(error_from([&] { read_image(file("wide.png")); }),
              HasSubstr("wide.png: image width 20000 is out of range (1 to 16384)"));
}

TEST_F(ImageFile, UnsupportedAndMissingFiles) {
  EXPECT_THAT(read_error("garbage.png", "this is not an image"),
              HasSubstr("garbage.png: not an image (PNG, JPEG, BMP, PGM/PPM or WebP)"));
  EXPECT_THAT(read_error("empty.pgm", ""), HasSubstr("empty.pgm: not an image"));
  EXPECT_EQ(error_from([&] { read_image(file("absent.png")); }),
            file("absent.png") + ": cannot open: No such file or directory");
}

TEST_F(ImageFile, WritersCheckTheImageAndWriteAtomically) {
  const GreyImage inconsistent{3, 3, std::vector<std::uint8_t>(8)};
  EXPECT_THAT(error_from([&] { write_png(inconsistent, file("bad.png")); }),
              HasSubstr("bad.png: cannot write a 3x3 image that has 8 pixels"));
  EXPECT_THAT(error_from([&] { write_pgm(inconsistent, file("bad.pgm")); }), HasSubstr("cannot write a 3x3 image"));
  EXPECT_FALSE(fs::exists(file("bad.png")));

  write_pgm(gradient(2, 2), file("x.pgm"));
  write_pgm(gradient(3, 1), file("x.pgm"));
  expect_same(read_image(file("x.pgm")), gradient(3, 1));
  EXPECT_EQ(std::distance(fs::directory_iterator(file("")), fs::directory_iterator()), 1);
  EXPECT_THAT(error_from([&] { write_png(gradient(2, 2), file("missing/x.png")); }),
              HasSubstr("missing/x.png: cannot write"));
}

TEST(Enlarge, RepeatsEachPixelAsABlock) {
  const GreyImage image{2, 1, {10, 200}};
  const GreyImage big = enlarge(image, 3);
  EXPECT_EQ(big.width, 6);
  EXPECT_EQ(big.height, 3);
  EXPECT_EQ(big.pixels, (std::vector<std::uint8_t>{10, 10, 10, 200, 200, 200, 10, 10, 10, 200, 200, 200, 10, 10,
                                                   10, 200, 200, 200}));
  EXPECT_THAT(error_from([&] { enlarge(image, 0); }), HasSubstr("factor must be 1–64"));
}

}  // namespace
}  // namespace lenet5

// BT.601 luminance composited on white, worked by hand: pure red 0.299·255 = 76.2 → 76, green 149.7 → 150,
// blue 29.1 → 29; black at alpha 128 is white × 127/255 = 127; fully transparent is white.
TEST(ToGrey, LuminanceCompositedOnWhite) {
  using lenet5::Image;
  EXPECT_EQ(lenet5::to_grey(Image{3, 1, 1, {0, 100, 255}}).pixels, (std::vector<std::uint8_t>{0, 100, 255}));
  EXPECT_EQ(lenet5::to_grey(Image{3, 1, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255}}).pixels,
            (std::vector<std::uint8_t>{76, 150, 29}));
  EXPECT_EQ(lenet5::to_grey(Image{3, 1, 4, {0, 0, 0, 255, 0, 0, 0, 128, 0, 0, 0, 0}}).pixels,
            (std::vector<std::uint8_t>{0, 127, 255}));
  EXPECT_EQ(lenet5::to_grey(Image{2, 1, 2, {40, 255, 40, 0}}).pixels, (std::vector<std::uint8_t>{40, 255}));
  EXPECT_THROW(lenet5::to_grey(Image{2, 1, 5, std::vector<std::uint8_t>(10)}), lenet5::Error);
  EXPECT_THROW(lenet5::to_grey(Image{2, 2, 1, std::vector<std::uint8_t>(3)}), lenet5::Error);
}
