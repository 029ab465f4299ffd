// load_dataset on CIFAR-10 batches, built here in a temporary folder: exact pixels, labels and classes, and
// each error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "lenet5/data_formats.hpp"
#include "lenet5/error.hpp"
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


}  // namespace
