// load_dataset on image folders and CIFAR-10 batches, built here in a temporary folder: exact pixels, labels
// and classes, the channel and size rules with their notices, each error, and the same images read alike
// from IDX, an image folder and CIFAR-10 batches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>  // getpid
#include <webp/encode.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "image_builders.hpp"
#include "lenet5/data_formats.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using lenet5::DataOptions;
using lenet5::Dataset;
using lenet5::Split;
using Bytes = std::vector<std::uint8_t>;
using lenet5::testing_util::error_from;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::StartsWith;

// One example as a loader gives it: its bytes (planes) and its class name.
using Example = std::pair<Bytes, std::string>;

std::vector<Example> examples_of(const Dataset& data) {
  std::vector<Example> examples;
  for (std::size_t i = 0; i < data.count; ++i) {
    const auto image = data.image(i);
    examples.emplace_back(Bytes(image.begin(), image.end()), data.classes.at(data.labels[i]));
  }
  std::sort(examples.begin(), examples.end());
  return examples;
}

Bytes image_bytes(const Dataset& data, std::size_t index) {
  const auto image = data.image(index);
  return {image.begin(), image.end()};
}

class DataFormatsTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("lenet5_test_formats_" + std::to_string(getpid()) + "_" + info->name()) / "pets";
    fs::remove_all(dir_.parent_path());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }

  std::string path(const std::string& relative) const {
    const fs::path full = dir_ / relative;
    fs::create_directories(full.parent_path());
    return full.string();
  }
  void write(const std::string& relative, const Bytes& bytes) const {
    std::ofstream(path(relative), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  void write(const std::string& relative, const std::string& text) const { write(relative, Bytes(text.begin(), text.end())); }

  void grey_png(const std::string& relative, int width, int height, const Bytes& pixels) const {
    lenet5::write_png({width, height, pixels}, path(relative));
  }
  // Binary PPM: R, G, B interleaved.
  void ppm(const std::string& relative, int width, int height, const Bytes& rgb) const {
    Bytes bytes;
    const std::string header = "P6\n" + std::to_string(width) + " " + std::to_string(height) + "\n255\n";
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.insert(bytes.end(), rgb.begin(), rgb.end());
    write(relative, bytes);
  }
  // An 8-bit PNG with alpha: 2 channels grey + alpha, or 4 RGBA, stored as given.
  void alpha_png(const std::string& relative, int width, int height, int channels, const Bytes& pixels) const {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(width);
    image.height = static_cast<png_uint_32>(height);
    image.format = channels == 2 ? PNG_FORMAT_GA : PNG_FORMAT_RGBA;
    ASSERT_TRUE(png_image_write_to_file(&image, path(relative).c_str(), 0, pixels.data(), 0, nullptr)) << image.message;
  }

  Dataset load(Split split, DataOptions options = {}) const {
    if (!options.on_notice) options.on_notice = [this](const std::string& message) { notices_.push_back(message); };
    return lenet5::load_dataset(dir_.string(), split, options);
  }
  std::string load_error(Split split = Split::train) const {
    return error_from([&] { load(split); });
  }
  // Where the messages name a file: the test folder's path.
  std::string at(const std::string& relative) const { return (dir_ / relative).string(); }

  fs::path dir_;
  mutable std::vector<std::string> notices_;
};

// ---- Image folders ----

TEST_F(DataFormatsTest, FolderClassesSortByNameAndEveryFormatIsRead) {
  grey_png("train/cat/b.png", 2, 2, {1, 2, 3, 4});
  grey_png("train/cat/a.PNG", 2, 2, {5, 6, 7, 8});
  lenet5::write_pgm({2, 2, {9, 10, 11, 12}}, path("train/Dog/x.pgm"));
  using lenet5::testing_util::image_builders::TestBmp;
  write("train/ant/y.bmp",  // 24-bit, top-down, grey as R = G = B, rows padded to 4 bytes
        lenet5::testing_util::image_builders::bmp_file(
            TestBmp{.width = 2, .height = -2, .rows = {13, 13, 13, 14, 14, 14, 0, 0, 15, 15, 15, 16, 16, 16, 0, 0}}));
  const Bytes webp_rgb{17, 17, 17, 18, 18, 18, 19, 19, 19, 20, 20, 20};
  std::uint8_t* encoded = nullptr;
  const std::size_t size = WebPEncodeLosslessRGB(webp_rgb.data(), 2, 2, 6, &encoded);
  ASSERT_GT(size, 0u);
  write("train/ant/z.webp", Bytes(encoded, encoded + size));
  WebPFree(encoded);
  // A flat JPEG at quality 100 decodes exactly.
  write("train/ant/w.Jpeg",
        lenet5::testing_util::image_builders::encode_test_jpeg({.width = 2, .height = 2, .pixels = Bytes(4, 200)}));

  const Dataset data = load(Split::train);
  EXPECT_EQ(data.name, "pets");
  EXPECT_THAT(data.classes, ElementsAre("Dog", "ant", "cat"));  // byte order: upper case first
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.rows, 2);
  EXPECT_EQ(data.cols, 2);
  ASSERT_EQ(data.count, 6u);
  // Classes interleaved: ant's w, y, z at 1/6, 3/6, 5/6 of the way; cat's a, b at 1/4, 3/4; Dog's x at 1/2.
  EXPECT_THAT(data.labels, ElementsAre(1, 2, 0, 1, 2, 1));
  EXPECT_EQ(data.images, (Bytes{200, 200, 200, 200, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 17, 18, 19, 20}));
  EXPECT_THAT(notices_, ElementsAre(at("train") + ": 2 RGB images with R = G = B read as grey"));
}

TEST_F(DataFormatsTest, FolderTestSplitMatchesTrainingClassesByName) {
  grey_png("train/a/1.png", 1, 1, {1});
  grey_png("train/b/1.png", 1, 1, {2});
  grey_png("train/c/1.png", 1, 1, {3});
  grey_png("test/c/1.png", 1, 1, {4});
  grey_png("test/a/1.png", 1, 1, {5});
  const Dataset train = load(Split::train);
  const Dataset test = lenet5::load_dataset(dir_.string(), Split::test, {}, &train.classes);
  EXPECT_THAT(test.classes, ElementsAre("a", "b", "c"));
  EXPECT_THAT(test.labels, ElementsAre(0, 2));
  EXPECT_THAT(test.images, ElementsAre(5, 4));
  grey_png("test/d/1.png", 1, 1, {6});
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), Split::test, {}, &train.classes); }),
              HasSubstr("class 'd' is not among the 3 classes"));
}

TEST_F(DataFormatsTest, FolderInterleavesClassesSoThatAnyTailHoldsEach) {
  for (const char* name : {"a/1.png", "a/2.png", "a/3.png", "a/4.png", "a/5.png", "a/6.png", "b/1.png", "b/2.png", "c/1.png"})
    grey_png(std::string("train/") + name, 1, 1, {static_cast<std::uint8_t>(name[2] - '0')});
  const Dataset data = load(Split::train);
  // a's six at 1/12, 3/12, …, 11/12; b's two at 3/12 and 9/12, each after a's image there; c's one at 6/12.
  EXPECT_THAT(data.labels, ElementsAre(0, 0, 1, 0, 2, 0, 0, 1, 0));
  EXPECT_THAT(data.images, ElementsAre(1, 2, 1, 3, 1, 4, 5, 2, 6));
}

TEST_F(DataFormatsTest, FolderSkipsHiddenFilesSilentlyAndOtherFilesInOneNotice) {
  grey_png("train/a/1.png", 1, 1, {1});
  grey_png("train/a/.hidden.png", 1, 1, {2});
  grey_png("train/a/.cache/3.png", 1, 1, {3});
  grey_png("train/.ipynb_checkpoints/4.png", 1, 1, {4});
  write("train/a/.DS_Store", "x");
  write("train/a/notes.txt", "x");
  write("train/README", "x");
  write("train/a/scan.gif", "x");
  const Dataset data = load(Split::train);
  EXPECT_THAT(data.classes, ElementsAre("a"));
  EXPECT_THAT(data.images, ElementsAre(1));
  EXPECT_THAT(notices_, ElementsAre(at("train") +
                                    ": 3 files skipped: not PNG, JPEG, BMP, PGM/PPM or WebP by extension (such as README)"));
}

TEST_F(DataFormatsTest, FolderSearchesSubfoldersOfAClassInNameOrder) {
  grey_png("train/a/z.png", 1, 1, {1});
  grey_png("train/a/sub/deeper/y.png", 1, 1, {2});
  grey_png("train/a/b.png", 1, 1, {3});
  const Dataset data = load(Split::train);
  EXPECT_THAT(data.images, ElementsAre(3, 2, 1));
  EXPECT_THAT(data.labels, ElementsAre(0, 0, 0));
}

TEST_F(DataFormatsTest, FolderCompositesAlphaOntoBlack) {
  alpha_png("train/a/grey.png", 2, 1, 2, {200, 255, 200, 128});  // (value, alpha) pairs
  alpha_png("train/a/opaque.png", 2, 1, 2, {7, 255, 9, 255});
  const Dataset data = load(Split::train);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(image_bytes(data, 0), (Bytes{200, 100}));  // 200 × 128 / 255 = 100.4
  EXPECT_EQ(image_bytes(data, 1), (Bytes{7, 9}));
  EXPECT_THAT(notices_, ElementsAre(at("train") + ": 1 image with transparency composited onto black"));
}

TEST_F(DataFormatsTest, FolderRgbaBecomesColourPlanesOnBlack) {
  alpha_png("train/a/rgba.png", 2, 1, 4, {255, 100, 0, 51, 10, 20, 30, 255});
  const Dataset data = load(Split::train);
  EXPECT_EQ(data.channels, 3);
  EXPECT_EQ(data.images, (Bytes{51, 10, 20, 20, 0, 30}));  // R plane, G plane, B plane
}

TEST_F(DataFormatsTest, FolderIsColourWhenAnyImageIsAndGreyIsReplicated) {
  ppm("train/a/colour.ppm", 2, 1, {1, 1, 3, 4, 4, 6});  // R = G but not B: colour
  grey_png("train/b/grey.png", 2, 1, {7, 8});
  ppm("train/b/grey.ppm", 2, 1, {9, 9, 9, 10, 10, 10});
  const Dataset data = load(Split::train);
  EXPECT_EQ(data.channels, 3);
  // In the interleaved order b/grey.png, a/colour.ppm, b/grey.ppm.
  EXPECT_EQ(image_bytes(data, 0), (Bytes{7, 8, 7, 8, 7, 8}));
  EXPECT_EQ(image_bytes(data, 1), (Bytes{1, 4, 1, 4, 3, 6}));
  EXPECT_EQ(image_bytes(data, 2), (Bytes{9, 10, 9, 10, 9, 10}));
  EXPECT_THAT(notices_,
              ElementsAre(at("train") + ": 2 grey images replicated into R, G and B, as the split has colour images"));
}

TEST_F(DataFormatsTest, FolderShrinksImagesLargerThan32ByAreaKeepingAspect) {
  // 64×30 (only the width over 32) in 2×2 blocks: block (bx, by) holds 4 values averaging bx + by·32 + 2.
  Bytes pixels(64 * 30);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 64; ++x) pixels[y * 64 + x] = static_cast<std::uint8_t>((x / 2 + (y / 2) * 32) % 200 + (x % 2) * 2 + (y % 2) * 2);
  grey_png("train/a/wide.png", 64, 30, pixels);
  const Dataset data = load(Split::train);
  ASSERT_EQ(data.cols, 32);
  ASSERT_EQ(data.rows, 15);
  for (int y = 0; y < 15; ++y)
    for (int x = 0; x < 32; ++x) ASSERT_EQ(data.images[y * 32 + x], (x + y * 32) % 200 + 2) << x << "," << y;
  EXPECT_THAT(notices_, ElementsAre(at("train") + ": 1 image larger than 32x32 shrunk to fit it (area averaging, "
                                                  "aspect ratio kept)"));
}

TEST_F(DataFormatsTest, FolderScalesOtherSizesToTheMostCommonAndCentresThem) {
  grey_png("train/a/1.png", 4, 4, Bytes(16, 9));
  grey_png("train/a/2.png", 4, 4, Bytes(16, 8));
  grey_png("train/b/wide.png", 2, 1, {10, 20});   // ×2 to 4×2, centred vertically
  grey_png("train/b/tall.png", 1, 4, {1, 2, 3, 4});  // as it is, centred horizontally (left of centre)
  grey_png("train/b/big.png", 8, 4, Bytes(32, 50));  // halved to 4×2
  const Dataset data = load(Split::train);
  ASSERT_EQ(data.rows, 4);
  ASSERT_EQ(data.cols, 4);
  ASSERT_EQ(data.count, 5u);
  // In the interleaved order b/big, a/1, b/tall, a/2, b/wide.
  EXPECT_EQ(image_bytes(data, 0), (Bytes{0, 0, 0, 0, 50, 50, 50, 50, 50, 50, 50, 50, 0, 0, 0, 0}));
  EXPECT_EQ(image_bytes(data, 2), (Bytes{0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0}));
  EXPECT_EQ(image_bytes(data, 4), (Bytes{0, 0, 0, 0, 10, 10, 20, 20, 10, 10, 20, 20, 0, 0, 0, 0}));
  EXPECT_THAT(notices_, ElementsAre(at("train") + ": 3 images not 4x4 (the most common size) scaled to fit it "
                                                  "(aspect ratio kept) and centred on black"));
}

TEST_F(DataFormatsTest, FolderSizeTiesGoToTheLargerAreaAndEachSplitHasItsOwn) {
  grey_png("train/a/small.png", 2, 2, Bytes(4, 1));
  grey_png("train/a/large.png", 3, 3, Bytes(9, 2));
  grey_png("test/a/1.png", 1, 1, {3});
  grey_png("test/a/2.png", 1, 1, {4});
  grey_png("test/a/3.png", 2, 2, Bytes(4, 6));
  const Dataset train = load(Split::train);
  EXPECT_EQ(train.rows, 3);
  EXPECT_EQ(train.cols, 3);
  const Dataset test = load(Split::test);
  EXPECT_EQ(test.rows, 1);
  EXPECT_EQ(test.cols, 1);
  EXPECT_THAT(test.images, ElementsAre(3, 4, 6));
}

TEST_F(DataFormatsTest, FolderReportsProgressFromTheCallingThreadEndingWithTheTotal) {
  for (int i = 0; i < 40; ++i) grey_png("train/" + std::to_string(i % 3) + "/" + std::to_string(i) + ".png", 1, 1, {1});
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  bool other_thread = false;
  DataOptions options;
  options.threads = 2;
  options.on_progress = [&, caller = std::this_thread::get_id()](std::size_t done, std::size_t total) {
    other_thread = other_thread || std::this_thread::get_id() != caller;
    calls.emplace_back(done, total);
  };
  EXPECT_EQ(load(Split::train, options).count, 40u);
  EXPECT_FALSE(other_thread);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), (std::pair<std::size_t, std::size_t>(40, 40)));
  for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i - 1].first, calls[i].first);
}

TEST_F(DataFormatsTest, FolderUndecodableImageNamesTheFirstBadFile) {
  for (int i = 0; i < 30; ++i) grey_png("train/a/" + std::to_string(10 + i) + ".png", 1, 1, {1});
  write("train/a/26.png", "not a picture");
  EXPECT_EQ(load_error(), at("train/a/26.png") + ": not an image (PNG, JPEG, BMP, PGM/PPM or WebP)");
  // A file before it that takes long to fail: the error is still the first file's, on any number of threads.
  std::mt19937 random(1);
  Bytes noise(1500 * 1500);
  for (auto& pixel : noise) pixel = static_cast<std::uint8_t>(random());
  grey_png("train/a/25.png", 1500, 1500, noise);
  fs::resize_file(dir_ / "train/a/25.png", fs::file_size(dir_ / "train/a/25.png") / 2);
  for (int threads : {1, 2, 3}) {
    DataOptions options;
    options.threads = threads;
    EXPECT_THAT(error_from([&] { load(Split::train, options); }), StartsWith(at("train/a/25.png") + ": ")) << threads;
  }
}

TEST_F(DataFormatsTest, FolderEmptyClassIsAnError) {
  grey_png("train/cat/1.png", 1, 1, {1});
  fs::create_directories(dir_ / "train" / "dog");
  EXPECT_EQ(load_error(), at("train/dog") + ": no images");
  write("train/dog/list.txt", "only text");
  EXPECT_EQ(load_error(), at("train/dog") + ": no images");
}

TEST_F(DataFormatsTest, FolderWithoutClassFoldersIsAnError) {
  fs::create_directories(dir_ / "train");
  write("train/notes.txt", "x");
  EXPECT_EQ(load_error(), at("train") + ": no class folders (each class's images go in " + at("train/<class>") + "/)");
}

TEST_F(DataFormatsTest, FolderImageOutsideAClassFolderIsAnError) {
  grey_png("train/cat/1.png", 1, 1, {1});
  grey_png("train/stray.png", 1, 1, {1});
  EXPECT_EQ(load_error(), at("train/stray.png") + ": an image outside a class folder (each class's images go in " +
                              at("train/<class>") + "/)");
}

TEST_F(DataFormatsTest, FolderMissingSplitIsDataNotFound) {
  grey_png("train/cat/1.png", 1, 1, {1});
  try {
    load(Split::test);
    FAIL() << "no error";
  } catch (const lenet5::DataNotFound& error) {
    EXPECT_EQ(std::string(error.what()), at("test") + ": no such folder");
  }
}

TEST_F(DataFormatsTest, FolderMoreClassesThanLabelsHoldIsAnError) {
  for (int i = 0; i < 257; ++i) fs::create_directories(dir_ / "train" / std::to_string(i));
  EXPECT_EQ(load_error(), at("train") + ": 257 class folders, more than the 256 possible");
}

// ---- CIFAR-10 batches ----

// A batch of 32×32 colour records: each image's byte i is (seed + i) mod 256.
Bytes cifar_batch(const std::vector<std::pair<std::uint8_t, std::uint8_t>>& labels_and_seeds) {
  Bytes batch;
  for (const auto& [label, seed] : labels_and_seeds) {
    batch.push_back(label);
    for (int i = 0; i < 3072; ++i) batch.push_back(static_cast<std::uint8_t>(seed + i));
  }
  return batch;
}

Bytes seeded_image(std::uint8_t seed) {
  Bytes image(3072);
  for (int i = 0; i < 3072; ++i) image[i] = static_cast<std::uint8_t>(seed + i);
  return image;
}

TEST_F(DataFormatsTest, CifarReadsBatchesInNumberOrderWithMetaNames) {
  write("data_batch_10.bin", cifar_batch({{0, 30}}));
  write("data_batch_2.bin", cifar_batch({{2, 20}, {1, 21}}));
  write("data_batch_1.bin", cifar_batch({{1, 10}}));
  write("test_batch.bin", cifar_batch({{2, 40}}));
  write("batches.meta.txt", "airplane\r\n\nautomobile\n  bird \n\n");
  EXPECT_EQ(lenet5::detect_data_format(dir_.string()), lenet5::DataFormat::cifar10);
  const Dataset train = load(Split::train);
  EXPECT_EQ(train.name, "pets");
  EXPECT_EQ(train.channels, 3);
  EXPECT_EQ(train.rows, 32);
  EXPECT_EQ(train.cols, 32);
  EXPECT_THAT(train.classes, ElementsAre("airplane", "automobile", "bird"));
  ASSERT_EQ(train.count, 4u);
  EXPECT_THAT(train.labels, ElementsAre(1, 2, 1, 0));
  for (const auto& [index, seed] : {std::pair{0, 10}, {1, 20}, {2, 21}, {3, 30}})
    EXPECT_EQ(image_bytes(train, index), seeded_image(std::uint8_t(seed))) << index;
  const Dataset test = lenet5::load_dataset(dir_.string(), Split::test, {}, &train.classes);
  EXPECT_THAT(test.labels, ElementsAre(2));
  EXPECT_EQ(image_bytes(test, 0), seeded_image(40));
}

TEST_F(DataFormatsTest, CifarWithoutMetaNamesClassesByLabel) {
  write("data_batch_1.bin", cifar_batch({{7, 0}, {3, 0}}));
  const Dataset train = load(Split::train);
  EXPECT_THAT(train.classes, ElementsAre("3", "7"));
  EXPECT_THAT(train.labels, ElementsAre(1, 0));
  EXPECT_EQ(lenet5::load_dataset(dir_.string() + "/", Split::train).name, "pets");
}

TEST_F(DataFormatsTest, CifarPartialRecordIsAnErrorNamingFileAndLength) {
  write("data_batch_1.bin", cifar_batch({{0, 0}}));
  Bytes cut = cifar_batch({{0, 0}, {1, 0}});
  cut.pop_back();
  write("data_batch_2.bin", cut);
  EXPECT_EQ(load_error(), at("data_batch_2.bin") +
                              ": 6145 bytes, not a whole number of 3073-byte CIFAR-10 records (a label byte and a "
                              "3x32x32 image)");
  write("data_batch_2.bin", Bytes{});
  EXPECT_THAT(load_error(), HasSubstr(at("data_batch_2.bin") + ": 0 bytes"));
}

TEST_F(DataFormatsTest, CifarLabelWithoutAMetaNameIsAnErrorNamingFileAndRecord) {
  write("data_batch_1.bin", cifar_batch({{0, 0}, {1, 0}, {2, 0}}));
  write("batches.meta.txt", "cat\ndog\n");
  EXPECT_EQ(load_error(), at("data_batch_1.bin") + ": record 2 has label 2, but " + at("batches.meta.txt") +
                              " names 2 classes");
}

TEST_F(DataFormatsTest, CifarMissingBatchesAreDataNotFound) {
  write("test_batch.bin", cifar_batch({{0, 0}}));
  const auto not_found = [&](Split split) {
    DataOptions options;
    options.format = lenet5::DataFormat::cifar10;
    try {
      lenet5::load_dataset(dir_.string(), split, options);
    } catch (const lenet5::DataNotFound& error) {
      return std::string(error.what());
    }
    return std::string("(no DataNotFound)");
  };
  EXPECT_EQ(not_found(Split::train), dir_.string() + ": no CIFAR-10 training batches (data_batch_1.bin, …)");
  fs::remove(dir_ / "test_batch.bin");
  write("data_batch_1.bin", cifar_batch({{0, 0}}));
  EXPECT_EQ(not_found(Split::test), at("test_batch.bin") + ": no such file (the CIFAR-10 test batch)");
}

// ---- The same images in different formats ----

// IDX files (MNIST's layout) for grey images of `side` × `side`.
Bytes idx_file(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes bytes{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t dim : dims)
    for (const int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<std::uint8_t>(dim >> shift));
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

TEST_F(DataFormatsTest, GreyImagesReadAlikeFromIdxAndAFolder) {
  constexpr int kCount = 60, kSide = 28;
  std::mt19937 random(11);
  Bytes images(kCount * kSide * kSide), labels(kCount);
  for (auto& pixel : images) pixel = static_cast<std::uint8_t>(random());
  for (int i = 0; i < kCount; ++i) {
    labels[i] = static_cast<std::uint8_t>(random() % 10);
    const Bytes pixels(images.begin() + i * kSide * kSide, images.begin() + (i + 1) * kSide * kSide);
    const std::string file = "folder/train/" + std::to_string(labels[i]) + "/" + std::to_string(i);
    if (i % 2) grey_png(file + ".png", kSide, kSide, pixels);
    else lenet5::write_pgm({kSide, kSide, pixels}, path(file + ".pgm"));
  }
  write("idx/train-images-idx3-ubyte", idx_file({kCount, kSide, kSide}, images));
  write("idx/train-labels-idx1-ubyte", idx_file({kCount}, labels));
  const Dataset from_idx = lenet5::load_dataset((dir_ / "idx").string(), Split::train);
  const Dataset from_folder = lenet5::load_dataset((dir_ / "folder").string(), Split::train);
  EXPECT_EQ(from_folder.channels, 1);
  EXPECT_EQ(from_folder.classes, from_idx.classes);
  EXPECT_EQ(examples_of(from_folder), examples_of(from_idx));
}

TEST_F(DataFormatsTest, ColourImagesReadAlikeFromCifarAndAFolder) {
  constexpr int kCount = 20;
  const std::vector<std::string> names{"frog", "horse", "ship"};
  std::mt19937 random(12);
  Bytes batch;
  for (int i = 0; i < kCount; ++i) {
    const auto label = static_cast<std::uint8_t>(random() % names.size());
    Bytes planes(3072), rgb(3072);
    for (auto& byte : planes) byte = static_cast<std::uint8_t>(random());
    for (int p = 0; p < 1024; ++p)
      for (int c = 0; c < 3; ++c) rgb[p * 3 + c] = planes[c * 1024 + p];
    batch.push_back(label);
    batch.insert(batch.end(), planes.begin(), planes.end());
    ppm("folder/train/" + names[label] + "/" + std::to_string(i) + ".ppm", 32, 32, rgb);
  }
  write("cifar/data_batch_1.bin", batch);
  write("cifar/batches.meta.txt", "frog\nhorse\nship\n");
  const Dataset from_cifar = lenet5::load_dataset((dir_ / "cifar").string(), Split::train);
  const Dataset from_folder = lenet5::load_dataset((dir_ / "folder").string(), Split::train);
  EXPECT_EQ(from_folder.channels, 3);
  EXPECT_EQ(examples_of(from_folder), examples_of(from_cifar));
}

}  // namespace
