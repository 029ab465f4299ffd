// Reading image files (PNG, JPEG, BMP, PGM/PPM, WebP, and the formats refused by name) with their channels
// and as grey bytes, their limits and hostile inputs, and writing PGM and PNG back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <png.h>
#include <stdlib.h>
#include <webp/encode.h>

#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <array>
#include <fstream>

#include "io/atomic_file.hpp"
#include "image_builders.hpp"
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
using lenet5::testing_util::Bytes;
using namespace lenet5::testing_util::image_builders;

// A grey picture of 3x2 blocks of 8x8 pixels (JPEG's block size, so quality 100 keeps each level within a
// step or two), levels a–f row by row: asymmetric, so every rotation and mirror image differs.
constexpr std::array<std::uint8_t, 6> kBlockLevels{20, 60, 100, 140, 180, 220};
Bytes block_pattern() {
  Bytes pixels(24 * 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 24; ++x) pixels[y * 24 + x] = kBlockLevels[(y / 8) * 3 + x / 8];
  return pixels;
}

// The level at the centre of each 8x8 block of a grey image, row by row, as letters a–f ('?' for none).
std::string block_letters(const Image& image) {
  std::string letters;
  for (int by = 0; by < image.height / 8; ++by) {
    for (int bx = 0; bx < image.width / 8; ++bx) {
      const int level = image.pixels[std::size_t(by * 8 + 4) * image.width + bx * 8 + 4];
      char letter = '?';
      for (std::size_t i = 0; i < kBlockLevels.size(); ++i)
        if (std::abs(level - kBlockLevels[i]) <= 3) letter = static_cast<char>('a' + i);
      letters += letter;
    }
    letters += '/';
  }
  return letters;
}

std::string decode_error(const Bytes& bytes, const std::string& name) {
  return error_from([&] { decode_image(bytes, name); });
}

Bytes as_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

void expect_image(const Image& image, int width, int height, int channels, const Bytes& pixels) {
  EXPECT_EQ(image.width, width);
  EXPECT_EQ(image.height, height);
  EXPECT_EQ(image.channels, channels);
  EXPECT_EQ(image.pixels, pixels);
}

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


// ---- decode_image: the file's channels ----------------------------------------------------------------------

TEST_F(ImageFile, PngKeepsItsChannels) {
  write_test_png({.width = 2, .height = 1, .colour_type = PNG_COLOR_TYPE_RGB, .raster = {255, 0, 0, 10, 20, 30}},
                 file("rgb.png"));
  expect_image(read_image_file(file("rgb.png")), 2, 1, 3, {255, 0, 0, 10, 20, 30});
  write_test_png({.width = 2, .height = 1, .colour_type = PNG_COLOR_TYPE_GRAY_ALPHA, .raster = {0, 255, 100, 128}},
                 file("ga.png"));
  expect_image(read_image_file(file("ga.png")), 2, 1, 2, {0, 255, 100, 128});
  write_test_png({.width = 2, .height = 1, .colour_type = PNG_COLOR_TYPE_PALETTE, .raster = {0, 1},
                  .palette = {{1, 2, 3}, {4, 5, 6}}},
                 file("palette.png"));
  expect_image(read_image_file(file("palette.png")), 2, 1, 3, {1, 2, 3, 4, 5, 6});
  write_test_png({.width = 2, .height = 1, .colour_type = PNG_COLOR_TYPE_PALETTE, .raster = {0, 1},
                  .palette = {{1, 2, 3}, {4, 5, 6}}, .transparency = {0}},
                 file("palette-trns.png"));
  expect_image(read_image_file(file("palette-trns.png")), 2, 1, 4, {1, 2, 3, 0, 4, 5, 6, 255});
  write_test_png({.width = 2, .height = 1, .bit_depth = 16, .raster = {0xFF, 0xFF, 0x80, 0x00}}, file("16.png"));
  expect_image(read_image_file(file("16.png")), 2, 1, 1, {255, 128});
}

TEST(DecodeImage, PpmAndPgm) {
  expect_image(decode_image(as_bytes(std::string("P6 2 1 255\n") + "\x01\x02\x03\x04\x05\x06"), "a.ppm"), 2, 1, 3,
               {1, 2, 3, 4, 5, 6});
  expect_image(decode_image(as_bytes("P3\n# plain\n1 1\n15\n15 0 5\n"), "b.ppm"), 1, 1, 3, {255, 0, 85});
  expect_image(decode_image(as_bytes(std::string("P6 1 1 65535\n") + std::string("\xFF\xFF\x80\x00\x00\x00", 6)),
                            "c.ppm"),
               1, 1, 3, {255, 128, 0});
  expect_image(decode_image(as_bytes(std::string("P5 1 1 255\n") + "\x07"), "d.pgm"), 1, 1, 1, {7});
  EXPECT_THAT(decode_error(as_bytes(std::string("P6 2 2 255\n") + "12345"), "t.ppm"),
              HasSubstr("t.ppm: truncated PPM (a 2x2 image needs 12 bytes of samples but 5 follow the header)"));
  EXPECT_THAT(decode_error(as_bytes("P3 1 1 10\n1 2 11\n"), "v.ppm"), HasSubstr("v.ppm: PPM sample 2 is 11, over the maxval 10"));
  EXPECT_THAT(decode_error(as_bytes("P3 1 1 10\n1 2"), "e.ppm"), HasSubstr("truncated PPM (the file ends after 2 of the 3"));
  EXPECT_THAT(decode_error(as_bytes("P6\n8192 8192\n255\n"), "huge.ppm"),
              HasSubstr("huge.ppm: truncated PPM (a 8192x8192 image cannot fit in 17 bytes)"));
}

TEST(DecodeImage, BmpTwentyFourBitBottomUpWithPaddedRows) {
  // Rows are stored bottom first, blue-green-red, each padded to 4 bytes.
  const Bytes rows{255, 0, 0, 255, 255, 255, 0, 0, /* top: */ 0, 0, 255, 0, 255, 0, 0, 0};
  expect_image(decode_image(bmp_file({.width = 2, .height = 2, .rows = rows}), "a.bmp"), 2, 2, 3,
               {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255});
  // The old 12-byte header (16-bit sizes).
  expect_image(decode_image(bmp_file({.width = 1, .height = 1, .header_size = 12, .rows = {1, 2, 3, 0}}), "core.bmp"),
               1, 1, 3, {3, 2, 1});
}

TEST(DecodeImage, BmpThirtyTwoAndSixteenBit) {
  // BI_RGB: top-down (negative height), the fourth byte unused.
  expect_image(decode_image(bmp_file({.width = 1, .height = -2, .bits = 32, .rows = {10, 20, 30, 99, 40, 50, 60, 0}}),
                            "top-down.bmp"),
               1, 2, 3, {30, 20, 10, 60, 50, 40});
  // BI_BITFIELDS in a V5 header, with an alpha mask: RGBA.
  expect_image(decode_image(bmp_file({.width = 1, .height = 1, .bits = 32, .compression = 3, .header_size = 124,
                                      .header_masks = {0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000},
                                      .rows = {10, 20, 30, 128}}),
                            "v5.bmp"),
               1, 1, 4, {30, 20, 10, 128});
  // 5-6-5 bit fields after a 40-byte header; 31 → 255, 16/31 → 132, 32/63 → 130, 8/31 → 66 (rounded).
  expect_image(decode_image(bmp_file({.width = 2, .height = 1, .bits = 16, .compression = 3,
                                      .after_header = little_endian_masks({0xF800, 0x07E0, 0x001F}),
                                      .rows = {0x00, 0xF8, 0x08, 0x84}}),
                            "565.bmp"),
               2, 1, 3, {255, 0, 0, 132, 130, 66});
  // BI_RGB 16-bit is 5-5-5.
  expect_image(decode_image(bmp_file({.width = 1, .height = 1, .bits = 16, .rows = {0xFF, 0x7F, 0, 0}}), "555.bmp"), 1,
               1, 3, {255, 255, 255});
}

TEST(DecodeImage, BmpPalettes) {
  const Bytes black_white{0, 0, 0, 0, 255, 255, 255, 0};  // blue, green, red, unused
  expect_image(decode_image(bmp_file({.width = 10, .height = 1, .bits = 1, .after_header = black_white,
                                      .rows = {0b1010'0111, 0b0000'0000, 0, 0}}),
                            "1.bmp"),
               10, 1, 3, {255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0,
                          255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0});
  const Bytes black_red_green{0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0};
  expect_image(decode_image(bmp_file({.width = 3, .height = 1, .bits = 4, .after_header = black_red_green,
                                      .rows = {0x20, 0x10, 0, 0}, .colours_used = 3}),
                            "4.bmp"),
               3, 1, 3, {0, 255, 0, 0, 0, 0, 255, 0, 0});
  expect_image(decode_image(bmp_file({.width = 1, .height = 1, .bits = 8, .after_header = black_white,
                                      .rows = {1, 0, 0, 0}, .colours_used = 2}),
                            "8.bmp"),
               1, 1, 3, {255, 255, 255});
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 1, .bits = 8, .after_header = black_white,
                                     .rows = {5, 0, 0, 0}, .colours_used = 2}),
                           "index.bmp"),
              HasSubstr("index.bmp: invalid BMP: pixel (0, 0) uses colour 5 of a palette of 2"));
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 1, .bits = 1, .after_header = black_white,
                                     .rows = {0, 0, 0, 0}, .colours_used = 3}),
                           "big-palette.bmp"),
              HasSubstr("invalid BMP: a palette of 3 colours for 1-bit pixels"));
}

TEST(DecodeImage, BmpErrors) {
  const Bytes good = bmp_file({.width = 2, .height = 2, .rows = Bytes(16)});
  EXPECT_THAT(decode_error(Bytes(good.begin(), good.end() - 3), "cut.bmp"),
              HasSubstr("cut.bmp: truncated BMP (a 2x2 image at 24 bits needs 16 bytes from byte 54, but the file has 67)"));
  EXPECT_THAT(decode_error(Bytes(good.begin(), good.begin() + 20), "header.bmp"),
              HasSubstr("header.bmp: truncated BMP (the file ends at byte 20, inside its header)"));
  EXPECT_THAT(decode_error(bmp_file({.width = 8192, .height = 8192}), "bomb.bmp"),
              HasSubstr("bomb.bmp: truncated BMP (a 8192x8192 image at 24 bits needs 201326592 bytes from byte 54"));
  EXPECT_THAT(decode_error(bmp_file({.width = 16384, .height = -16384}), "huge.bmp"),
              HasSubstr("huge.bmp: a 16384x16384 image has 268435456 pixels, over the limit of 67108864"));
  EXPECT_THAT(decode_error(bmp_file({.width = 20000, .height = 1}), "wide.bmp"),
              HasSubstr("wide.bmp: image width 20000 is out of range (1 to 16384)"));
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 0}), "flat.bmp"),
              HasSubstr("flat.bmp: image height 0 is out of range (1 to 16384)"));
  EXPECT_THAT(decode_error(bmp_file({.width = -3, .height = 1}), "negative.bmp"),
              HasSubstr("negative.bmp: invalid BMP: negative width -3"));
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 1, .bits = 8, .compression = 1}), "rle.bmp"),
              HasSubstr("rle.bmp: RLE-compressed BMP images are not supported: convert to PNG"));
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 1, .bits = 2}), "2.bmp"),
              HasSubstr("unsupported BMP: 2 bits per pixel"));
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 1, .header_size = 64}), "os2.bmp"),
              HasSubstr("unsupported BMP header of 64 bytes (expected 12, 40, 52, 56, 108 or 124)"));
  EXPECT_THAT(decode_error(bmp_file({.width = 1, .height = 1, .bits = 32, .compression = 3,
                                     .after_header = little_endian_masks({0xF0F0, 0x0F00, 0x000F}), .rows = Bytes(4)}),
                           "mask.bmp"),
              HasSubstr("mask.bmp: invalid BMP: colour mask 61680 is not contiguous"));
}

TEST(DecodeImage, JpegBaselineProgressiveAndColour) {
  for (const bool progressive : {false, true}) {
    const Image grey = decode_image(
        encode_test_jpeg({.width = 24, .height = 16, .pixels = block_pattern(), .progressive = progressive}), "g.jpg");
    EXPECT_EQ(grey.width, 24);
    EXPECT_EQ(grey.height, 16);
    EXPECT_EQ(grey.channels, 1);
    EXPECT_EQ(block_letters(grey), "abc/def/") << "progressive " << progressive;
  }
  Bytes colour;
  for (int i = 0; i < 16 * 16; ++i) colour.insert(colour.end(), {200, 40, 90});
  const Image rgb = decode_image(encode_test_jpeg({.width = 16, .height = 16, .channels = 3, .pixels = colour}), "c.jpg");
  ASSERT_EQ(rgb.channels, 3);
  ASSERT_EQ(rgb.pixels.size(), colour.size());
  for (std::size_t i = 0; i < colour.size(); ++i) EXPECT_NEAR(rgb.pixels[i], colour[i], 3) << i;
}

// Phones store the sensor's pixels as they come and record the way up in EXIF: tag 0x0112's value says
// where the stored first row and column go (Exif 2.32, §4.6.4 A). Stored blocks a b c / d e f.
TEST(DecodeImage, JpegExifOrientationTurnsThePixelsUpright) {
  const std::array<std::string, 9> upright{"", "abc/def/", "cba/fed/", "fed/cba/", "def/abc/",
                                           "ad/be/cf/", "da/eb/fc/", "fc/eb/da/", "cf/be/ad/"};
  for (const bool big_endian : {true, false}) {
    for (int orientation = 1; orientation <= 8; ++orientation) {
      const Image image = decode_image(encode_test_jpeg({.width = 24, .height = 16, .pixels = block_pattern(),
                                                         .app1 = exif_app1(orientation, big_endian)}),
                                       "phone.jpg");
      EXPECT_EQ(block_letters(image), upright[orientation]) << "orientation " << orientation << (big_endian ? " MM" : " II");
      EXPECT_EQ(image.width, orientation >= 5 ? 16 : 24);
    }
  }
  // Damaged Exif is ignored, not fatal: the picture comes back as stored.
  Bytes far_ifd = exif_app1(6, true);
  far_ifd[10] = far_ifd[11] = far_ifd[12] = 0xFF;  // first IFD offset near 2^32
  Bytes bad_value = exif_app1(9, false);
  Bytes cut = exif_app1(6, false);
  cut.resize(cut.size() - 14);  // ends inside the orientation entry
  for (const Bytes& app1 : {far_ifd, bad_value, cut, as_bytes(std::string("Exif\0\0MM", 8)), as_bytes("http://ns.adobe.com/xap/1.0/")}) {
    const Image image = decode_image(encode_test_jpeg({.width = 24, .height = 16, .pixels = block_pattern(), .app1 = app1}), "odd.jpg");
    EXPECT_EQ(block_letters(image), "abc/def/");
  }
}

// The byte offset of a JPEG's SOF0/SOF2 segment, whose height and width follow at +5 and +7 (big-endian).
std::size_t start_of_frame(const Bytes& jpeg) {
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) return i;
  ADD_FAILURE() << "no SOF segment";
  return 0;
}

Bytes with_jpeg_size(Bytes jpeg, std::uint16_t width, std::uint16_t height) {
  const std::size_t sof = start_of_frame(jpeg);
  jpeg[sof + 5] = static_cast<std::uint8_t>(height >> 8), jpeg[sof + 6] = static_cast<std::uint8_t>(height);
  jpeg[sof + 7] = static_cast<std::uint8_t>(width >> 8), jpeg[sof + 8] = static_cast<std::uint8_t>(width);
  return jpeg;
}

TEST(DecodeImage, JpegErrors) {
  for (const bool progressive : {false, true}) {
    const Bytes jpeg = encode_test_jpeg({.width = 24, .height = 16, .pixels = block_pattern(), .progressive = progressive});
    EXPECT_THAT(decode_error(Bytes(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() * 3 / 4)), "cut.jpg"),
                HasSubstr("cut.jpg: invalid JPEG: Premature end of JPEG file"));
    EXPECT_THAT(decode_error(Bytes(jpeg.begin(), jpeg.begin() + 30), "header.jpg"), HasSubstr("header.jpg: invalid JPEG: "));
    // A few hundred bytes claiming the largest image allowed: the data runs out after the first blocks, and
    // only the rows decoded by then were allocated.
    EXPECT_THAT(decode_error(with_jpeg_size(jpeg, 16384, 4096), "bomb.jpg"), HasSubstr("bomb.jpg: invalid JPEG: "));
    EXPECT_THAT(decode_error(with_jpeg_size(jpeg, 16384, 16384), "huge.jpg"),
                HasSubstr("huge.jpg: a 16384x16384 image has 268435456 pixels, over the limit of 67108864"));
    EXPECT_THAT(decode_error(with_jpeg_size(jpeg, 20000, 16), "wide.jpg"),
                HasSubstr("wide.jpg: image width 20000 is out of range (1 to 16384)"));
    EXPECT_THAT(decode_error(with_jpeg_size(jpeg, 24, 0), "empty.jpg"), HasSubstr("empty.jpg: invalid JPEG: "));
  }
  const Bytes cmyk = encode_test_jpeg({.width = 8, .height = 8, .channels = 4, .pixels = Bytes(8 * 8 * 4, 100)});
  EXPECT_THAT(decode_error(cmyk, "cmyk.jpg"), HasSubstr("cmyk.jpg: CMYK JPEG images are not supported: convert to RGB"));
}

TEST(DecodeImage, WebpLosslessAndErrors) {
  // Alpha 1, not 0: the lossless encoder may change the colour of fully transparent pixels.
  const Bytes rgba{255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 1, 10, 20, 30, 40};
  std::uint8_t* encoded = nullptr;
  const std::size_t size = WebPEncodeLosslessRGBA(rgba.data(), 2, 2, 8, &encoded);
  ASSERT_GT(size, 0u);
  const Bytes webp(encoded, encoded + size);
  WebPFree(encoded);
  expect_image(decode_image(webp, "a.webp"), 2, 2, 4, rgba);
  EXPECT_THAT(decode_error(Bytes(webp.begin(), webp.begin() + 20), "cut.webp"), HasSubstr("cut.webp: truncated WebP"));
  Bytes damaged = webp;
  for (std::size_t i = 25; i < damaged.size(); ++i) damaged[i] = 0xFF;
  EXPECT_THAT(decode_error(damaged, "bad.webp"), HasSubstr("bad.webp: invalid WebP"));
}

TEST_F(ImageFile, OneByOneImagesInEveryFormat) {
  write_png({1, 1, {77}}, file("one.png"));
  expect_image(read_image_file(file("one.png")), 1, 1, 1, {77});
  const Image jpeg = decode_image(encode_test_jpeg({.width = 1, .height = 1, .pixels = {77}}), "one.jpg");
  EXPECT_EQ(jpeg.width * jpeg.height * jpeg.channels, 1);
  EXPECT_NEAR(jpeg.pixels.at(0), 77, 1);
  expect_image(decode_image(bmp_file({.width = 1, .height = 1, .rows = {1, 2, 3, 0}}), "one.bmp"), 1, 1, 3, {3, 2, 1});
  expect_image(decode_image(as_bytes("P2 1 1 255 77"), "one.pgm"), 1, 1, 1, {77});
}

TEST(DecodeImage, FormatsRefusedByName) {
  EXPECT_EQ(decode_error(as_bytes("GIF89a\x01\x00\x01\x00"), "a.gif"), "a.gif: GIF images are not supported: convert to PNG");
  EXPECT_EQ(decode_error(as_bytes(std::string("II*\0\x08\0\0\0", 8)), "a.tif"),
            "a.tif: TIFF images are not supported: convert to PNG or JPEG");
  EXPECT_THAT(decode_error(as_bytes(std::string("MM\0*\0\0\0\x08", 8)), "b.tif"), HasSubstr("TIFF images are not supported"));
  const auto ftyp = [](const std::string& brands) {
    const std::string box = std::string("\0\0\0", 3) + static_cast<char>(8 + brands.size()) + "ftyp" + brands;
    return as_bytes(box + std::string("\0\0\0\x08mdat", 8));
  };
  EXPECT_EQ(decode_error(ftyp(std::string("heic\0\0\0\0mif1heic", 16)), "IMG_0001.HEIC"),
            "IMG_0001.HEIC: HEIC/HEIF images are not supported: convert to PNG or JPEG");
  EXPECT_EQ(decode_error(ftyp(std::string("avif\0\0\0\0mif1miaf", 16)), "a.avif"),
            "a.avif: AVIF images are not supported: convert to PNG or JPEG");
  EXPECT_EQ(decode_error(ftyp(std::string("mif1\0\0\0\0mif1avif", 16)), "b.avif"),
            "b.avif: AVIF images are not supported: convert to PNG or JPEG");
  EXPECT_EQ(decode_error(ftyp(std::string("isom\0\0\0\0isomavc1", 16)), "movie.mp4"),
            "movie.mp4: not an image (PNG, JPEG, BMP, PGM/PPM or WebP)");
  EXPECT_EQ(decode_error(as_bytes("P1\n1 1\n0\n"), "a.pbm"), "a.pbm: PBM (bilevel netpbm) images are not supported: convert to PGM or PNG");
  EXPECT_EQ(decode_error(as_bytes("P7\nWIDTH 1\n"), "a.pam"), "a.pam: PAM images are not supported: convert to PGM, PPM or PNG");
  EXPECT_EQ(decode_error(as_bytes("LENET5\x1a\n\x01\0\0\0"), "lenet5.model"), "lenet5.model: not an image but a lenet5 model file");
  EXPECT_EQ(decode_error(as_bytes("Please find my digit attached.\n"), "notes.txt"),
            "notes.txt: not an image (PNG, JPEG, BMP, PGM/PPM or WebP)");
  EXPECT_EQ(decode_error({}, "empty"), "empty: not an image (PNG, JPEG, BMP, PGM/PPM or WebP)");
}

TEST_F(ImageFile, ReadImageIsTheGreyOfReadImageFile) {
  write_test_png({.width = 2, .height = 1, .colour_type = PNG_COLOR_TYPE_RGB, .raster = {255, 0, 0, 10, 20, 30}},
                 file("rgb.png"));
  EXPECT_EQ(read_image(file("rgb.png")).pixels, to_grey(read_image_file(file("rgb.png"))).pixels);
  EXPECT_THAT(read_image(file_with("c.ppm", std::string("P6 1 1 255\n\xFF\0\0", 14))).pixels, ElementsAre(76));
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
