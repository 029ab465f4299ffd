// CSV datasets in Kaggle's layout: well-formed files (labelled, unlabelled, CRLF, no final newline, any
// square size up to 32×32) read to the exact pixels, labels and classes; each kind of defect an error naming
// the file and the line; the folder's files found per split; Kaggle's submission file written exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/data_formats.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using lenet5::testing_util::error_from;
using testing::AllOf;
using testing::HasSubstr;

// A header of Kaggle's names: "label,pixel0,…" for `pixels` pixels (without "label," when unlabelled).
std::string header(std::size_t pixels, bool labelled = true) {
  std::string text = labelled ? "label" : "";
  for (std::size_t i = 0; i < pixels; ++i) {
    if (!text.empty()) text += ',';
    text += "pixel" + std::to_string(i);
  }
  return text;
}

std::string row(const std::vector<int>& fields) {
  std::string text;
  for (const int field : fields) {
    if (!text.empty()) text += ',';
    text += std::to_string(field);
  }
  return text;
}

// 2×2 images: label 7, then 3, then 7 again.
const std::string kTrain = header(4) + "\n" + row({7, 0, 1, 2, 255}) + "\n" + row({3, 10, 20, 30, 40}) + "\n" +
                           row({7, 255, 254, 0, 9}) + "\n";

class CsvTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lenet5_test_csv_" + std::to_string(getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // The error of reading `text` as a CSV file, and the file's path.
  std::pair<std::string, std::string> read_error(const std::string& text) const {
    const std::string path = write("data.csv", text);
    return {error_from([&] { lenet5::read_csv_images(path); }), path};
  }

  lenet5::Dataset load(lenet5::Split split, const std::vector<std::string>* classes = nullptr) const {
    return lenet5::load_dataset(dir_.string(), split, {}, classes);
  }

  fs::path dir_;
};

TEST_F(CsvTest, ReadsTheLabelsPixelsAndClassesOfEachRow) {
  write("train.csv", kTrain);
  ASSERT_EQ(lenet5::detect_data_format(dir_.string()), lenet5::DataFormat::csv);
  const lenet5::Dataset data = load(lenet5::Split::train);
  EXPECT_EQ(data.count, 3u);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.rows, 2);
  EXPECT_EQ(data.cols, 2);
  EXPECT_EQ(data.images, (Bytes{0, 1, 2, 255, 10, 20, 30, 40, 255, 254, 0, 9}));
  // Classes sort by value: 3 before 7.
  EXPECT_EQ(data.classes, (std::vector<std::string>{"3", "7"}));
  EXPECT_EQ(data.labels, (Bytes{1, 0, 1}));
  EXPECT_EQ(data.name, dir_.filename().string());
  EXPECT_NO_THROW(data.check_consistent("train"));
}

// Values sort as numbers, not as text ("10" after "9"), and the test split is matched to the training classes.
TEST_F(CsvTest, ClassesSortByValueAndTheTestSplitTakesTheTrainingClasses) {
  write("fashion-mnist_train.csv", header(1) + "\n" + row({10, 1}) + "\n" + row({9, 2}) + "\n" + row({200, 3}) + "\n");
  write("fashion-mnist_test.csv", header(1) + "\n" + row({200, 4}) + "\n" + row({9, 5}) + "\n");
  const lenet5::Dataset train = load(lenet5::Split::train);
  EXPECT_EQ(train.classes, (std::vector<std::string>{"9", "10", "200"}));
  EXPECT_EQ(train.labels, (Bytes{1, 0, 2}));
  const lenet5::Dataset test = load(lenet5::Split::test, &train.classes);
  EXPECT_EQ(test.classes, train.classes);
  EXPECT_EQ(test.labels, (Bytes{2, 0}));
  EXPECT_EQ(test.images, (Bytes{4, 5}));
  const std::vector<std::string> digits = lenet5::digit_class_names();
  EXPECT_THAT(error_from([&] { load(lenet5::Split::test, &digits); }), HasSubstr("class '200' is not among"));
}

// Names for the label values (--classes): the classes keep the values' order and take their names.
TEST_F(CsvTest, LabelNamesNameTheValues) {
  const std::string path = write("train.csv", kTrain);
  const std::vector<std::string> names{"zero", "one", "two", "three", "four", "five", "six", "seven"};
  const lenet5::Dataset data = lenet5::read_csv_images(path, nullptr, names);
  EXPECT_EQ(data.classes, (std::vector<std::string>{"three", "seven"}));
  EXPECT_EQ(data.labels, (Bytes{1, 0, 1}));
  const std::vector<std::string> model{"seven", "three", "other"};
  EXPECT_EQ(lenet5::read_csv_images(path, &model, names).labels, (Bytes{0, 1, 0}));
  EXPECT_THROW(lenet5::read_csv_images(path, &model), lenet5::UnknownClass);
  EXPECT_THAT(error_from([&] { lenet5::read_csv_images(path, nullptr, {"zero", "one", "two", "three"}); }),
              HasSubstr(path + ": label 7 has no name among the 4 class names given"));
}

TEST_F(CsvTest, CrlfLineEndingsAMissingFinalNewlineAndBlankLinesReadTheSame) {
  write("train.csv", kTrain);
  const lenet5::Dataset plain = load(lenet5::Split::train);
  std::string crlf;
  for (const char c : kTrain) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (const std::string& text : {crlf, crlf.substr(0, crlf.size() - 2), kTrain.substr(0, kTrain.size() - 1),
                                  kTrain + "\n\r\n", crlf + "\r\n"}) {
    write("train.csv", text);
    const lenet5::Dataset data = load(lenet5::Split::train);
    EXPECT_EQ(data.count, 3u);
    EXPECT_EQ(data.images, plain.images);
    EXPECT_EQ(data.labels, plain.labels);
  }
}

// The field count gives the side: 1×1 up to 256×256, with or without the label column.
TEST_F(CsvTest, AnySquareUpTo32x32) {
  for (const int side : {1, 3, 32}) {
    const std::size_t pixels = std::size_t(side) * std::size_t(side);
    std::vector<int> fields{5};
    for (std::size_t i = 0; i < pixels; ++i) fields.push_back(int(i % 256));
    const std::string labelled = write("labelled.csv", header(pixels) + "\n" + row(fields) + "\n");
    const lenet5::Dataset data = lenet5::read_csv_images(labelled);
    EXPECT_EQ(data.rows, side);
    EXPECT_EQ(data.cols, side);
    ASSERT_EQ(data.images.size(), pixels);
    EXPECT_EQ(data.images.back(), (pixels - 1) % 256);
    EXPECT_EQ(data.classes, (std::vector<std::string>{"5"}));
    fields.erase(fields.begin());
    const std::string bare = write("bare.csv", header(pixels, false) + "\n" + row(fields) + "\n");
    EXPECT_EQ(lenet5::read_csv_images(bare).images, data.images) << side;
  }
  const auto [error, path] = read_error(header(257 * 257) + "\n");
  EXPECT_THAT(error, AllOf(HasSubstr(path + ":1: the header has 66050 columns"), HasSubstr("n up to 256")));
  // Larger than LeNet-5's 32×32 input: shrunk to fit it (40×40 → 32×32, each pixel the mean of 1.25×1.25).
  std::vector<int> fields{3};
  fields.resize(1 + 40 * 40, 7);
  const lenet5::Dataset large = lenet5::read_csv_images(write("large.csv", header(40 * 40) + "\n" + row(fields) + "\n"));
  EXPECT_EQ(large.rows, 32);
  EXPECT_EQ(large.images, std::vector<std::uint8_t>(32 * 32, 7));
}

// Kaggle's Digit Recognizer test.csv: the pixels alone. It can be classified, not evaluated or trained on.
TEST_F(CsvTest, AFileWithoutLabelsIsReadForPredictionOnly) {
  write("train.csv", kTrain);
  const std::string test = write("test.csv", header(4, false) + "\n" + row({1, 2, 3, 4}) + "\n" + row({5, 6, 7, 8}) + "\n");
  const lenet5::Dataset images = lenet5::read_csv_images(test);
  EXPECT_EQ(images.count, 2u);
  EXPECT_EQ(images.images, (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(images.labels.empty());
  EXPECT_TRUE(images.classes.empty());
  EXPECT_NO_THROW(images.check_images("test.csv"));
  EXPECT_THAT(error_from([&] { images.check_consistent("test.csv"); }), HasSubstr("test.csv: the images have no labels"));
  EXPECT_EQ(images.slice(1, 1).images, (Bytes{5, 6, 7, 8}));
  EXPECT_TRUE(images.slice(1, 1).labels.empty());

  // As a dataset's test split: missing labels, saying what to do instead.
  try {
    load(lenet5::Split::test);
    ADD_FAILURE() << "the unlabelled test split loaded";
  } catch (const lenet5::DataNotFound& error) {
    EXPECT_THAT(error.what(), AllOf(HasSubstr(test + ": has no labels (Kaggle's test set"), HasSubstr("so it is no test split"),
                                    HasSubstr("lenet5 predict --csv " + test)));
  }
  write("train.csv", header(4, false) + "\n" + row({1, 2, 3, 4}) + "\n");
  EXPECT_THAT(error_from([&] { load(lenet5::Split::train); }), HasSubstr("train.csv: has no labels"));
}

// The classifier reads unlabelled images; evaluating them is refused.
TEST_F(CsvTest, UnlabelledImagesAreClassifiedButNotEvaluated) {
  std::string text = header(28 * 28, false) + "\n";
  for (int i = 0; i < 3; ++i) text += row(std::vector<int>(28 * 28, i * 100)) + "\n";
  const lenet5::Dataset images = lenet5::read_csv_images(write("test.csv", text));
  const lenet5::Model model = lenet5::initialize_model(lenet5::modern_preset(), 1);
  const lenet5::Classifier classifier(model);
  EXPECT_EQ(classifier.predict(images).labels.size(), 3u);
  EXPECT_THAT(error_from([&] { lenet5::evaluate(classifier, images); }), HasSubstr("the images have no labels"));
}

TEST_F(CsvTest, EachDefectNamesTheFileAndTheLine) {
  const std::string ok = row({1, 0, 0, 0, 0});
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"", {":1: empty file"}},
      {"\n" + ok + "\n", {":1: no header row"}},
      {header(4), {":2: no images after the header"}},
      {header(4) + "\r\n\r\n", {":3: no images after the header"}},
      {header(5) + "\n", {":1: the header has 6 columns", "785 for 28×28"}},
      {header(4) + "\n" + ok + "\n" + row({1, 0, 0, 0}) + "\n", {":3: 4 fields, expected 5 as in the header (the label and 2×2 pixels)"}},
      {header(4) + "\n" + row({1, 0, 0, 0, 0, 0}) + "\n", {":2: 6 fields, expected 5"}},
      {header(4) + "\n" + ok + "\n" + ok + ",\n", {":3: 6 fields, expected 5"}},
      {header(4) + "\n1,0,abc,0,0\n", {":2: column 'pixel1' (field 3) is 'abc', not an integer from 0 to 255"}},
      {header(4) + "\n1,0,0,1.5,0\n", {":2: column 'pixel2' (field 4) is '1.5', not an integer"}},
      {header(4) + "\n1,0,0,0,-1\n", {":2: column 'pixel3' (field 5) is '-1', not an integer"}},
      {header(4) + "\n1,0,,0,0\n", {":2: column 'pixel1' (field 3) is '', not an integer"}},
      {header(4) + "\n1,256,0,0,0\n", {":2: column 'pixel0' (field 2) is '256', not an integer from 0 to 255"}},
      {header(4) + "\n1,0,0,0,99999999999999999999\n", {"(field 5) is '99999999999999999999'"}},
      {header(4) + "\n" + ok + "\n300,0,0,0,0\n", {":3: the label is '300', not an integer from 0 to 255"}},
      {header(4) + "\nx,0,0,0,0\n", {":2: the label is 'x'"}},
      {"pixel0,pixel1,pixel2,pixel3,pixel4\n", {":1: the header's first column is 'pixel0', a pixel"}},
      {"label,pixel0,pixel1,pixel2\n", {":1: the header's first column is the label", "3 pixels after it"}},
  };
  for (const auto& [text, fragments] : cases) {
    const auto [error, path] = read_error(text);
    EXPECT_THAT(error, testing::StartsWith(path + ":")) << text;
    for (const auto& fragment : fragments)
      EXPECT_THAT(error, HasSubstr(fragment[0] == ':' ? path + fragment : fragment)) << text;
  }
}

TEST_F(CsvTest, FindsOneFilePerSplit) {
  EXPECT_THROW(load(lenet5::Split::train, nullptr), lenet5::DataNotFound);
  write("sample_submission.csv", "ImageId,Label\n1,0\n");
  lenet5::DataOptions csv;
  csv.format = lenet5::DataFormat::csv;
  EXPECT_THAT(error_from([&] { lenet5::load_dataset(dir_.string(), lenet5::Split::train, csv); }),
              HasSubstr(": no CSV file of the train split (a name with 'train' ending .csv)"));
  write("Train.CSV", kTrain);
  EXPECT_EQ(load(lenet5::Split::train).count, 3u);
  EXPECT_THROW(load(lenet5::Split::test), lenet5::DataNotFound);
  write("mnist_train.csv", kTrain);
  EXPECT_THAT(error_from([&] { load(lenet5::Split::train); }),
              HasSubstr(": several CSV files of the train split (Train.CSV, mnist_train.csv)"));
}

TEST_F(CsvTest, WritesKaggleSubmissions) {
  const std::string path = (dir_ / "submission.csv").string();
  lenet5::write_csv_submission(path, {2, 0, 1, 2}, {"cat", "dog, big", "say \"hi\""});
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "ImageId,Label\n1,\"say \"\"hi\"\"\"\n2,cat\n3,\"dog, big\"\n4,\"say \"\"hi\"\"\"\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1) << "no temporary file left";
  EXPECT_THAT(error_from([&] { lenet5::write_csv_submission(path, {0, 3}, {"a", "b", "c"}); }),
              HasSubstr(path + ": class 3 of image 2 is not one of the 3 classes"));
  EXPECT_THAT(error_from([&] { lenet5::write_csv_submission((dir_ / "none" / "s.csv").string(), {0}, {"a"}); }),
              HasSubstr("none/s.csv"));
}

}  // namespace
