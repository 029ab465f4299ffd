// IDX / MNIST loading: well-formed files in both spellings and both encodings, and each kind of damaged or
// hostile file producing its own specific error. All inputs are built here in a temporary folder, except the
// last test, which checks the real MNIST files at $LENET5_DATA (else ../shared/data/mnist) when present.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>  // setenv, unsetenv (POSIX)
#include <unistd.h>  // getpid
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "lenet5/data_formats.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using testing::HasSubstr;

using lenet5::testing_util::error_from;

Bytes idx_bytes(std::uint8_t type_code, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes bytes = {0, 0, type_code, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t dim : dims) {
    for (const int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<std::uint8_t>(dim >> shift));
  }
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

Bytes idx_u8(const std::vector<std::uint32_t>& dims, const Bytes& data) { return idx_bytes(0x08, dims, data); }

// One gzip member, as `gzip` would write it (16 + MAX_WBITS asks deflate for the gzip wrapper).
Bytes gzip(const Bytes& plain) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&stream, static_cast<uLong>(plain.size())) + 32);
  stream.next_in = const_cast<Bytef*>(plain.data());
  stream.avail_in = static_cast<uInt>(plain.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

Bytes concat(Bytes first, const Bytes& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

class IdxTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lenet5_test_idx_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const Bytes& bytes) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path.string();
  }

  std::string read_error(const Bytes& bytes) const {
    const std::string path = write("input", bytes);
    return error_from([&] { lenet5::read_idx(path); });
  }

  // Two 2×3 images (pixel values 0..11) and their labels.
  static Bytes images_2x2x3() {
    return idx_u8({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  }
  static Bytes labels_7_3() { return idx_u8({2}, {7, 3}); }

  fs::path dir_;
};

TEST_F(IdxTest, ReadsPlainIdx) {
  const lenet5::IdxArray array = lenet5::read_idx(write("a", idx_u8({2, 3}, {1, 2, 3, 4, 5, 255})));
  EXPECT_EQ(array.dims, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(array.data, (Bytes{1, 2, 3, 4, 5, 255}));
}

TEST_F(IdxTest, ReadsGzipIdxDetectedByMagicNotName) {
  const Bytes plain = idx_u8({4}, {9, 8, 7, 6});
  const lenet5::IdxArray array = lenet5::read_idx(write("no-gz-suffix", gzip(plain)));
  EXPECT_EQ(array.dims, (std::vector<std::uint32_t>{4}));
  EXPECT_EQ(array.data, (Bytes{9, 8, 7, 6}));
}

TEST_F(IdxTest, InflatesConcatenatedGzipMembers) {
  const Bytes plain = idx_u8({1000}, Bytes(1000, 42));
  const Bytes head(plain.begin(), plain.begin() + 100);
  const Bytes tail(plain.begin() + 100, plain.end());
  EXPECT_EQ(lenet5::read_file_maybe_gzip(write("cat.gz", concat(gzip(head), gzip(tail)))), plain);
}

TEST_F(IdxTest, RejectsWrongMagic) {
  EXPECT_THAT(read_error({0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 0}),
              HasSubstr("not an IDX file: magic number starts 0x01 0x00, expected 0x00 0x00"));
}

TEST_F(IdxTest, RejectsFileShorterThanMagic) {
  EXPECT_THAT(read_error({0, 0, 8}), HasSubstr("3 bytes, shorter than the 4-byte magic number"));
}

TEST_F(IdxTest, RejectsUnsupportedTypeCode) {
  EXPECT_THAT(read_error(idx_bytes(0x0D, {1}, {0, 0, 0, 0})),
              HasSubstr("type code 0x0D (float) is not supported, expected 0x08 (unsigned byte)"));
  EXPECT_THAT(read_error(idx_bytes(0x42, {1}, {0})), HasSubstr("type code 0x42 (unknown type)"));
}

TEST_F(IdxTest, RejectsDimensionCountOutsideOneToFour) {
  EXPECT_THAT(read_error({0, 0, 8, 0}), HasSubstr("declares 0 dimensions, expected 1 to 4"));
  EXPECT_THAT(read_error(idx_u8({1, 1, 1, 1, 1}, {0})), HasSubstr("declares 5 dimensions, expected 1 to 4"));
}

TEST_F(IdxTest, RejectsTruncatedHeader) {
  const Bytes three_dims_two_given = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1};
  EXPECT_THAT(read_error(three_dims_two_given),
              HasSubstr("truncated header: 3 dimensions need 16 bytes, file has 12"));
}

TEST_F(IdxTest, RejectsZeroDimension) {
  EXPECT_THAT(read_error(idx_u8({3, 0}, {})), HasSubstr("dimension 1 is 0"));
}

TEST_F(IdxTest, RejectsTruncatedData) {
  EXPECT_THAT(read_error(idx_u8({2, 3}, {1, 2, 3, 4, 5})),
              HasSubstr("truncated: header promises 6 bytes of data, file has 5"));
}

TEST_F(IdxTest, RejectsTrailingData) {
  EXPECT_THAT(read_error(idx_u8({2}, {1, 2, 3, 4})), HasSubstr("2 bytes of trailing data"));
  EXPECT_THAT(read_error(idx_u8({2}, {1, 2, 3})), HasSubstr("1 bytes of trailing data"));
}

TEST_F(IdxTest, RejectsAbsurdDimensionsWithoutAllocating) {
  // 2^128 elements claimed by a 20-byte file: must be refused from the header alone.
  EXPECT_THAT(read_error(idx_u8({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {})),
              HasSubstr("absurd dimensions 4294967295x4294967295x4294967295x4294967295"));
  EXPECT_THAT(read_error(idx_u8({65536, 65536}, {})), HasSubstr("absurd dimensions 65536x65536"));
}

TEST_F(IdxTest, ErrorsStartWithThePath) {
  const std::string path = write("named", {0, 0, 9});
  EXPECT_THAT(error_from([&] { lenet5::read_idx(path); }), testing::StartsWith(path + ": "));
}

TEST_F(IdxTest, RejectsCorruptGzipBody) {
  // A valid 10-byte gzip header (deflate, no flags, OS unix) followed by bytes that are not a deflate stream.
  const Bytes header = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03};
  EXPECT_THAT(read_error(concat(header, Bytes(64, 0xFF))), HasSubstr("corrupt gzip data: invalid block type"));
}

TEST_F(IdxTest, RejectsTruncatedGzip) {
  const Bytes compressed = gzip(idx_u8({500}, Bytes(500, 3)));
  EXPECT_THAT(read_error(Bytes(compressed.begin(), compressed.end() - 6)),
              HasSubstr("corrupt gzip data: truncated"));
  EXPECT_THAT(read_error({0x1f, 0x8b}), HasSubstr("corrupt gzip data: truncated"));
}

TEST_F(IdxTest, RejectsGzipWithBadChecksum) {
  Bytes compressed = gzip(idx_u8({500}, Bytes(500, 3)));
  compressed[compressed.size() - 8] ^= 0xFF;  // first byte of the CRC-32 trailer
  EXPECT_THAT(read_error(compressed), HasSubstr("corrupt gzip data: incorrect data check"));
}

TEST_F(IdxTest, RejectsTrailingGarbageAfterGzip) {
  EXPECT_THAT(read_error(concat(gzip(idx_u8({1}, {5})), {'j', 'u', 'n', 'k'})),
              HasSubstr("corrupt gzip data: 4 bytes of trailing garbage"));
}

TEST_F(IdxTest, RejectsMissingFileAndFolder) {
  const std::string missing = (dir_ / "absent").string();
  EXPECT_EQ(error_from([&] { lenet5::read_idx(missing); }), missing + ": cannot open: No such file or directory");
  EXPECT_THAT(error_from([&] { lenet5::read_idx(dir_.string()); }), HasSubstr(": cannot read: Is a directory"));
}

TEST_F(IdxTest, LoadsImageLabelPair) {
  const lenet5::Dataset data = lenet5::load_idx_pair(write("i", images_2x2x3()), write("l", labels_7_3()));
  EXPECT_EQ(data.count, 2u);
  EXPECT_EQ(data.rows, 2);
  EXPECT_EQ(data.cols, 3);
  EXPECT_EQ(data.labels, (Bytes{7, 3}));
  const auto second = data.image(1);
  EXPECT_EQ(Bytes(second.begin(), second.end()), (Bytes{6, 7, 8, 9, 10, 11}));
}

TEST_F(IdxTest, HeadKeepsFirstExamples) {
  const lenet5::Dataset data = lenet5::load_idx_pair(write("i", images_2x2x3()), write("l", labels_7_3()));
  const lenet5::Dataset first = data.head(1);
  EXPECT_EQ(first.count, 1u);
  EXPECT_EQ(first.rows, 2);
  EXPECT_EQ(first.cols, 3);
  EXPECT_EQ(first.images, (Bytes{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(first.labels, (Bytes{7}));
  EXPECT_EQ(data.head(100).count, 2u);
  EXPECT_EQ(data.head(0).images.size(), 0u);
}

TEST_F(IdxTest, SliceKeepsARangeClippedToTheData) {
  const lenet5::Dataset data = lenet5::load_idx_pair(write("i", images_2x2x3()), write("l", labels_7_3()));
  const lenet5::Dataset last = data.slice(1, 5);
  EXPECT_EQ(last.count, 1u);
  EXPECT_EQ(last.images, (Bytes{6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(last.labels, (Bytes{3}));
  EXPECT_EQ(data.slice(2, 1).count, 0u);
  EXPECT_EQ(data.slice(9, 1).count, 0u);
}

TEST_F(IdxTest, RejectsCountMismatchNamingBothFiles) {
  const std::string images = write("imgs", images_2x2x3());
  const std::string labels = write("labs", idx_u8({3}, {1, 2, 3}));
  EXPECT_EQ(error_from([&] { lenet5::load_idx_pair(images, labels); }),
            images + " holds 2 images but " + labels + " holds 3 labels");
}

// A pair of IDX files may hold any labels: the classes are 0 to the largest, named by value. MNIST's files
// hold digits.
TEST_F(IdxTest, PairClassesRunToTheLargestLabelButMnistHoldsDigits) {
  const std::string images = write("train-images-idx3-ubyte", idx_u8({3, 1, 1}, {0, 0, 0}));
  const std::string labels = write("train-labels-idx1-ubyte", idx_u8({3}, {9, 0, 10}));
  const lenet5::Dataset pair = lenet5::load_idx_pair(images, labels);
  EXPECT_EQ(pair.classes.size(), 11u);
  EXPECT_EQ(pair.classes.back(), "10");
  EXPECT_EQ(error_from([&] { lenet5::load_mnist(std::filesystem::path(images).parent_path().string(), lenet5::Split::train); }),
            labels + ": label at index 2 is 10, expected 0 to 9");
}

TEST_F(IdxTest, RejectsWrongShapes) {
  const std::string flat = write("flat", idx_u8({2}, {1, 2}));
  const std::string labels = write("labs", labels_7_3());
  EXPECT_THAT(error_from([&] { lenet5::load_idx_pair(flat, labels); }),
              HasSubstr("expected images as a 3-dimensional array (count x rows x cols), found 1 dimensions"));
  const std::string images = write("imgs", images_2x2x3());
  const std::string matrix = write("matrix", idx_u8({2, 1}, {1, 2}));
  EXPECT_THAT(error_from([&] { lenet5::load_idx_pair(images, matrix); }),
              HasSubstr("expected labels as a 1-dimensional array, found 2 dimensions"));
  const std::string wide = write("wide", idx_u8({1, 1, 1025}, Bytes(1025, 0)));
  const std::string one_label = write("one", idx_u8({1}, {0}));
  EXPECT_THAT(error_from([&] { lenet5::load_idx_pair(wide, one_label); }),
              HasSubstr("images are 1x1025, larger than the 1024x1024 limit"));
}

TEST_F(IdxTest, LoadMnistFindsDashSpellingPlain) {
  write("train-images-idx3-ubyte", images_2x2x3());
  write("train-labels-idx1-ubyte", labels_7_3());
  const lenet5::Dataset data = lenet5::load_mnist(dir_.string(), lenet5::Split::train);
  EXPECT_EQ(data.count, 2u);
  EXPECT_EQ(data.labels, (Bytes{7, 3}));
}

TEST_F(IdxTest, LoadMnistFindsDotSpellingGzip) {
  write("t10k-images.idx3-ubyte.gz", gzip(images_2x2x3()));
  write("t10k-labels.idx1-ubyte.gz", gzip(labels_7_3()));
  const lenet5::Dataset data = lenet5::load_mnist(dir_.string(), lenet5::Split::test);
  EXPECT_EQ(data.count, 2u);
  EXPECT_EQ(data.images, lenet5::read_idx((dir_ / "t10k-images.idx3-ubyte.gz").string()).data);
}

TEST_F(IdxTest, LoadMnistExplainsWhatItLookedFor) {
  write("train-images-idx3-ubyte", images_2x2x3());  // the test split's files are what is missing
  const std::string message = error_from([&] { lenet5::load_mnist(dir_.string(), lenet5::Split::test); });
  EXPECT_THAT(message, testing::StartsWith(dir_.string() + ": no MNIST file found (tried "));
  EXPECT_THAT(message, HasSubstr("t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte, "
                                 "t10k-images.idx3-ubyte.gz"));
  // The library names no CLI flag or script: the CLI adds those (tests/test_cli.cpp, TrainFailsWithoutData),
  // catching the error by its type.
  EXPECT_THAT(message, testing::EndsWith("t10k-images.idx3-ubyte.gz)"));
  EXPECT_THROW(lenet5::load_mnist(dir_.string(), lenet5::Split::test), lenet5::DataNotFound);
}

// ---- IDX datasets through load_dataset: any class count, EMNIST's names and mapping, transposed images ----

// Classes are the training split's distinct labels in sorted order (EMNIST letters: 1–26 are 26 classes,
// not 27); the test split's labels are matched to them.
TEST_F(IdxTest, ClassesAreTheDistinctTrainingLabelsInOrder) {
  write("train-images-idx3-ubyte", idx_u8({4, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  write("train-labels-idx1-ubyte", idx_u8({4}, {26, 1, 7, 1}));
  write("t10k-images-idx3-ubyte", idx_u8({2, 1, 2}, {9, 9, 8, 8}));
  write("t10k-labels-idx1-ubyte", idx_u8({2}, {7, 26}));
  EXPECT_EQ(lenet5::detect_data_format(dir_.string()), lenet5::DataFormat::idx);
  const lenet5::Dataset train = lenet5::load_dataset(dir_.string(), lenet5::Split::train);
  EXPECT_EQ(train.classes, (std::vector<std::string>{"1", "7", "26"}));
  EXPECT_EQ(train.labels, (Bytes{2, 0, 1, 0}));
  EXPECT_EQ(train.images, (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(train.name, dir_.filename().string());
  const lenet5::Dataset test = lenet5::load_dataset(dir_.string(), lenet5::Split::test, {}, &train.classes);
  EXPECT_EQ(test.classes, train.classes);
  EXPECT_EQ(test.labels, (Bytes{1, 2}));
}

TEST_F(IdxTest, ATestClassMissingFromTrainingIsAnError) {
  write("train-images-idx3-ubyte", idx_u8({2, 1, 1}, {0, 0}));
  write("train-labels-idx1-ubyte", idx_u8({2}, {0, 1}));
  write("t10k-images-idx3-ubyte", idx_u8({2, 1, 1}, {0, 0}));
  write("t10k-labels-idx1-ubyte", idx_u8({2}, {1, 2}));
  const lenet5::Dataset train = lenet5::load_dataset(dir_.string(), lenet5::Split::train);
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), lenet5::Split::test, {}, &train.classes); }),
              HasSubstr("(test): class '2' is not among the 2 classes of the training data (0, 1)"));
}

// EMNIST's files: their own names, a mapping file naming each label by its character, images stored
// transposed (--transpose turns them upright).
TEST_F(IdxTest, EmnistNamesMappingAndTransposedImages) {
  write("emnist-letters-train-images-idx3-ubyte.gz", gzip(idx_u8({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})));
  write("emnist-letters-train-labels-idx1-ubyte.gz", gzip(idx_u8({2}, {2, 1})));
  write("emnist-letters-mapping.txt", Bytes{'1', ' ', '6', '5', ' ', '9', '7', '\n', '2', ' ', '6', '6', ' ', '9', '8', '\n',
                                            '3', ' ', '2', '2', '8', '\n'});  // 228: ä
  const lenet5::Dataset plain = lenet5::load_dataset(dir_.string(), lenet5::Split::train);
  EXPECT_EQ(plain.classes, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(plain.labels, (Bytes{1, 0}));
  EXPECT_EQ(plain.rows, 2);
  lenet5::DataOptions options;
  options.transpose = true;
  const lenet5::Dataset upright = lenet5::load_dataset(dir_.string(), lenet5::Split::train, options);
  EXPECT_EQ(upright.rows, 3);
  EXPECT_EQ(upright.cols, 2);
  // Image 0 was [[1 2 3] [4 5 6]]; transposed: [[1 4] [2 5] [3 6]].
  EXPECT_EQ(Bytes(upright.images.begin(), upright.images.begin() + 6), (Bytes{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(Bytes(upright.images.begin() + 6, upright.images.end()), (Bytes{7, 10, 8, 11, 9, 12}));

  write("emnist-letters-mapping.txt", Bytes{'1', ' ', 'x', '\n'});
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), lenet5::Split::train); }),
              HasSubstr("emnist-letters-mapping.txt:1: expected 'label code'"));
  write("emnist-letters-mapping.txt", Bytes{'1', ' ', '6', '5', '\n'});
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), lenet5::Split::train); }),
              HasSubstr("label 2 is not in"));
}

TEST_F(IdxTest, NonAsciiMappingNamesAreUtf8) {
  write("train-images-idx3-ubyte", idx_u8({2, 1, 1}, {0, 0}));
  write("train-labels-idx1-ubyte", idx_u8({2}, {0, 1}));
  write("x-mapping.txt", Bytes{'0', ' ', '2', '2', '8', '\n', '1', ' ', '2', '0', '0', '1', '3', '\n'});  // ä, 中
  EXPECT_EQ(lenet5::load_dataset(dir_.string(), lenet5::Split::train).classes,
            (std::vector<std::string>{"\xC3\xA4", "\xE4\xB8\xAD"}));
}

TEST_F(IdxTest, SeveralDatasetsInOneFolderAreRefused) {
  write("emnist-letters-train-images-idx3-ubyte", idx_u8({1, 1, 1}, {0}));
  write("emnist-digits-train-images-idx3-ubyte", idx_u8({1, 1, 1}, {0}));
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), lenet5::Split::train); }),
              HasSubstr("several IDX images files of the train split (emnist-digits-train-images-idx3-ubyte, "
                        "emnist-letters-train-images-idx3-ubyte)"));
  EXPECT_THROW(lenet5::load_dataset(dir_.string(), lenet5::Split::test), lenet5::DataNotFound);
}

// --classes FILE names numeric labels (Fashion-MNIST's IDX files hold 0–9 only): both splits alike, so the
// test split still matches the training split by name.
TEST_F(IdxTest, AClassNamesFileNamesTheLabelValues) {
  write("train-images-idx3-ubyte", idx_u8({3, 1, 1}, {0, 0, 0}));
  write("train-labels-idx1-ubyte", idx_u8({3}, {2, 0, 2}));
  write("t10k-images-idx3-ubyte", idx_u8({1, 1, 1}, {0}));
  write("t10k-labels-idx1-ubyte", idx_u8({1}, {2}));
  const std::string names = write("names.txt", Bytes{'T', '-', 's', 'h', 'i', 'r', 't', '/', 't', 'o', 'p', '\r', '\n',
                                                     'T', 'r', 'o', 'u', 's', 'e', 'r', '\n', 'P', 'u', 'l', 'l'});
  lenet5::DataOptions options;
  options.class_names = lenet5::read_class_names(names);
  EXPECT_EQ(options.class_names, (std::vector<std::string>{"T-shirt/top", "Trouser", "Pull"}));
  const lenet5::Dataset train = lenet5::load_dataset(dir_.string(), lenet5::Split::train, options);
  EXPECT_EQ(train.classes, (std::vector<std::string>{"T-shirt/top", "Pull"}));
  EXPECT_EQ(train.labels, (Bytes{1, 0, 1}));
  EXPECT_EQ(lenet5::load_dataset(dir_.string(), lenet5::Split::test, options, &train.classes).labels, (Bytes{1}));

  options.class_names.resize(2);
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), lenet5::Split::train, options); }),
              HasSubstr("label 2 has no name among the 2 class names given"));
  EXPECT_THAT(error_from([&] { lenet5::read_class_names(write("empty.txt", Bytes{})); }), HasSubstr("no class names"));
  EXPECT_THAT(error_from([&] { lenet5::read_class_names((dir_ / "missing.txt").string()); }),
              HasSubstr("missing.txt: cannot read the class names"));
}

// Images larger than LeNet-5's 32×32 input are shrunk to fit it, aspect ratio kept, and that is said once.
TEST_F(IdxTest, LargerImagesAreShrunkToFitTheInput) {
  Bytes pixels(2 * 34 * 68, 100);
  pixels[68 * 34] = 0;  // the second image's first pixel: its first 2.125×2.125 block averages lower
  write("train-images-idx3-ubyte", idx_u8({2, 34, 68}, pixels));
  write("train-labels-idx1-ubyte", idx_u8({2}, {0, 1}));
  std::vector<std::string> notices;
  lenet5::DataOptions options;
  options.on_notice = [&](const std::string& notice) { notices.push_back(notice); };
  const lenet5::Dataset data = lenet5::load_dataset(dir_.string(), lenet5::Split::train, options);
  EXPECT_EQ(data.cols, 32);
  EXPECT_EQ(data.rows, 16);
  ASSERT_EQ(data.images.size(), 2u * 32 * 16);
  EXPECT_TRUE(std::all_of(data.images.begin(), data.images.begin() + 512, [](std::uint8_t v) { return v == 100; }));
  EXPECT_EQ(data.images[512], 78);  // (4.515625 − 1) · 100 / 4.515625, rounded
  EXPECT_EQ(notices, (std::vector<std::string>{
                         "2 images of 68x34, larger than LeNet-5's 32x32 input, shrunk to 32x16 (area averaging, "
                         "aspect ratio kept)"}));
}

TEST(DataFormats, NamesRoundTrip) {
  for (const auto format : {lenet5::DataFormat::idx, lenet5::DataFormat::folder, lenet5::DataFormat::csv,
                            lenet5::DataFormat::cifar10})
    EXPECT_EQ(lenet5::parse_data_format(lenet5::to_string(format)), format);
  EXPECT_EQ(lenet5::parse_data_format("png"), std::nullopt);
}

// The modern preset's input scaling: each channel standardised; MNIST-like bytes give MNIST's constants.
TEST(ChannelStatistics, MeanAndDeviationPerChannel) {
  lenet5::Dataset data;
  data.count = 2;
  data.channels = 2;
  data.rows = 1;
  data.cols = 2;
  // Channel 0 holds 0, 255, 0, 255 (mean ½, deviation ½); channel 1 is 51 throughout (deviation 0).
  data.images = {0, 255, 51, 51, 0, 255, 51, 51};
  data.labels = {0, 1};
  const auto statistics = lenet5::channel_statistics(data);
  ASSERT_EQ(statistics.size(), 2u);
  EXPECT_DOUBLE_EQ(statistics[0].mean, 0.5);
  EXPECT_DOUBLE_EQ(statistics[0].deviation, 0.5);
  EXPECT_DOUBLE_EQ(statistics[1].mean, 0.2);
  EXPECT_NEAR(statistics[1].deviation, 0.0, 1e-7);
  const auto scaling = lenet5::standardizing_scaling(data);
  EXPECT_FLOAT_EQ(scaling[0].background, -1.0f);
  EXPECT_FLOAT_EQ(scaling[0].foreground, 1.0f);
  EXPECT_FLOAT_EQ(scaling[1].background, -0.2f);  // a constant channel keeps deviation 1
  EXPECT_FLOAT_EQ(scaling[1].foreground, 0.8f);
  // Rounded to 4 decimals: 1/3 of the bytes 255 gives mean 0.3333 and deviation 0.4714.
  data.count = 3;
  data.channels = 1;
  data.cols = 1;
  data.images = {255, 0, 0};
  data.labels = {0, 1, 0};
  EXPECT_EQ(lenet5::standardizing_scaling(data).front(), (lenet5::InputScaling{-0.3333f / 0.4714f, 0.6667f / 0.4714f}));
}

TEST(ResolveDataDir, FlagThenEnvironmentThenDefault) {
  // Put back what the other tests of this process read (the MNIST folder) however this test ends.
  const char* before = std::getenv("LENET5_DATA");
  const struct Restore {
    std::optional<std::string> value;
    ~Restore() { value ? setenv("LENET5_DATA", value->c_str(), 1) : unsetenv("LENET5_DATA"); }
  } restore{before ? std::optional<std::string>(before) : std::nullopt};
  ASSERT_EQ(setenv("LENET5_DATA", "/from/env", 1), 0);
  EXPECT_EQ(lenet5::resolve_data_dir(std::string("/from/flag")), "/from/flag");
  EXPECT_EQ(lenet5::resolve_data_dir(std::nullopt), "/from/env");
  ASSERT_EQ(setenv("LENET5_DATA", "", 1), 0);
  EXPECT_EQ(lenet5::resolve_data_dir(std::nullopt), "data/mnist");
  ASSERT_EQ(unsetenv("LENET5_DATA"), 0);
  EXPECT_EQ(lenet5::resolve_data_dir(std::nullopt), "data/mnist");
}

TEST(Mnist, LoadsSharedCopyWhenPresent) {
  const std::string dir = lenet5::testing_util::mnist_dir();
  if (!fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz")) GTEST_SKIP() << "MNIST not found at " << dir;
  const lenet5::Dataset train = lenet5::load_mnist(dir, lenet5::Split::train);
  EXPECT_EQ(train.count, 60000u);
  EXPECT_EQ(train.rows, 28);
  EXPECT_EQ(train.cols, 28);
  EXPECT_EQ(train.labels.front(), 5);
  const lenet5::Dataset test = lenet5::load_mnist(dir, lenet5::Split::test);
  EXPECT_EQ(test.count, 10000u);
  EXPECT_EQ(test.rows, 28);
  EXPECT_EQ(test.cols, 28);
  EXPECT_EQ(test.labels.front(), 7);
  // Its statistics give the constants the modern preset used before they were computed from the data.
  const auto statistics = lenet5::channel_statistics(train);
  EXPECT_NEAR(statistics[0].mean, 0.1307, 1e-3);
  EXPECT_NEAR(statistics[0].deviation, 0.3081, 1e-3);
  EXPECT_EQ(lenet5::standardizing_scaling(train), lenet5::modern_preset().scaling);
  EXPECT_EQ(lenet5::load_dataset(dir, lenet5::Split::train).labels, train.labels);
}

}  // namespace
