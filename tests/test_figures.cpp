// The figures of lenet5/figures.hpp: each kind written as PNG (decoded again with the project's own reader)
// and SVG (parsed as XML), its size, that it is not blank, one fact of its content found where the figure's
// regions say, and the same bytes from the same inputs. Small hand-made inputs and the shipped models; the
// one test that needs MNIST skips without it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <tuple>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "figures/canvas.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/figures.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/rejection.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using lenet5::Figure;
using lenet5::FigureFormat;
using lenet5::FigureRegion;
using lenet5::testing_util::error_from;

// ---- reading a figure back ----------------------------------------------------------------------------

// The figure's PNG, decoded by lenet5_image, as RGB (a figure without colour is written grey); checks its
// size.
lenet5::Image decoded(const Figure& figure, const std::vector<std::uint8_t>& png) {
  lenet5::Image image = lenet5::decode_image(png, "figure.png");
  EXPECT_EQ(image.width, figure.width());
  EXPECT_EQ(image.height, figure.height());
  EXPECT_TRUE(image.channels == 1 || image.channels == 3) << image.channels;
  if (image.channels == 1) {
    std::vector<std::uint8_t> rgb;
    for (const std::uint8_t grey : image.pixels) rgb.insert(rgb.end(), 3, grey);
    image = {image.width, image.height, 3, rgb};
  }
  return image;
}

struct Rgb {
  int red = 0, green = 0, blue = 0;
  bool operator<(const Rgb& other) const {
    return std::tie(red, green, blue) < std::tie(other.red, other.green, other.blue);
  }
};

Rgb pixel(const lenet5::Image& image, int x, int y) {
  const std::uint8_t* p = image.pixels.data() + (std::size_t(y) * image.width + x) * 3;
  return {p[0], p[1], p[2]};
}

double luminance(Rgb c) { return 0.299 * c.red + 0.587 * c.green + 0.114 * c.blue; }

// The distinct colours inside a region.
std::set<Rgb> colours_in(const lenet5::Image& image, const FigureRegion& region) {
  std::set<Rgb> colours;
  for (int y = region.y; y < region.y + region.height; ++y)
    for (int x = region.x; x < region.x + region.width; ++x) colours.insert(pixel(image, x, y));
  return colours;
}

bool has_colour_near(const std::set<Rgb>& colours, lenet5::figures::Colour wanted) {
  for (const Rgb& c : colours)
    if (std::abs(c.red - wanted.red * 255) < 3 && std::abs(c.green - wanted.green * 255) < 3 &&
        std::abs(c.blue - wanted.blue * 255) < 3)
      return true;
  return false;
}

const FigureRegion& region(const Figure& figure, const std::string& name) {
  for (const FigureRegion& r : figure.regions())
    if (r.name == name) return r;
  throw std::runtime_error("no region " + name);
}

std::size_t regions_starting(const Figure& figure, const std::string& prefix) {
  std::size_t count = 0;
  for (const FigureRegion& r : figure.regions()) count += r.name.rfind(prefix, 0) == 0;
  return count;
}

// Not blank: a fair share of the pixels are not the white background, in several colours, and there is
// text (near-black pixels).
void expect_not_blank(const lenet5::Image& image) {
  std::size_t inked = 0, dark = 0;
  std::set<Rgb> colours;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const Rgb c = pixel(image, x, y);
      colours.insert(c);
      inked += luminance(c) < 250;
      dark += luminance(c) < 60;
    }
  EXPECT_GT(inked, std::size_t(image.width) * image.height / 100);
  EXPECT_GT(dark, 100u);
  EXPECT_GT(colours.size(), 8u);
}

// A small XML well-formedness check: tags nest and close, attributes are quoted, one root element <svg>
// whose width and height are the figure's.
void expect_well_formed_svg(const Figure& figure, const std::vector<std::uint8_t>& bytes) {
  const std::string svg(bytes.begin(), bytes.end());
  std::vector<std::string> open;
  std::string root;
  std::size_t at = 0;
  while ((at = svg.find('<', at)) != std::string::npos) {
    const std::size_t end = svg.find('>', at);
    ASSERT_NE(end, std::string::npos) << "an unclosed tag at " << at;
    const std::string tag = svg.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.starts_with("?") || tag.starts_with("!--")) continue;
    if (tag.starts_with("/")) {
      ASSERT_FALSE(open.empty()) << "</" << tag << "> closes nothing";
      ASSERT_EQ(tag.substr(1), open.back()) << "mismatched closing tag";
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    ASSERT_FALSE(name.empty());
    std::size_t quotes = 0;
    for (const char c : tag) quotes += c == '"';
    ASSERT_EQ(quotes % 2, 0u) << "unbalanced quotes in <" << tag.substr(0, 60) << ">";
    if (root.empty()) {
      root = name;
      EXPECT_NE(tag.find("width=\"" + std::to_string(figure.width()) + "px\""), std::string::npos) << tag;
      EXPECT_NE(tag.find("height=\"" + std::to_string(figure.height()) + "px\""), std::string::npos) << tag;
    } else {
      ASSERT_FALSE(open.empty()) << "a second root element <" << name << ">";
    }
    if (!tag.ends_with("/")) open.push_back(name);
  }
  EXPECT_EQ(root, "svg");
  EXPECT_TRUE(open.empty()) << open.size() << " elements left open";
  EXPECT_GT(svg.find("<use"), 0u);  // text is drawn as glyphs: the SVG needs no font to be shown
}

// The checks every kind gets: PNG size and content, SVG structure, the same bytes twice.
lenet5::Image check_figure(const Figure& figure) {
  EXPECT_GT(figure.width(), 200);
  EXPECT_GT(figure.height(), 100);
  const std::vector<std::uint8_t> png = figure.encode(FigureFormat::png), svg = figure.encode(FigureFormat::svg);
  const lenet5::Image image = decoded(figure, png);
  expect_not_blank(image);
  expect_well_formed_svg(figure, svg);
  EXPECT_EQ(figure.encode(FigureFormat::png), png);
  EXPECT_EQ(figure.encode(FigureFormat::svg), svg);
  return image;
}

// ---- inputs -----------------------------------------------------------------------------------------------

lenet5::Model shipped(const std::string& name) {
  return lenet5::load_model(std::string(LENET5_SOURCE_DIR) + "/models/lenet5-" + name + ".model");
}

// A handwritten-looking 7 on white paper, as a person's picture.
lenet5::Image drawn_seven() {
  lenet5::Image picture{60, 80, 1, std::vector<std::uint8_t>(60 * 80, 255)};
  for (int x = 10; x < 50; ++x)
    for (int t = 0; t < 5; ++t) picture.pixels[std::size_t(12 + t) * 60 + x] = 0;
  for (int y = 12; y < 70; ++y) {
    const int x = 48 - (y - 12) * 24 / 58;
    for (int t = -2; t <= 2; ++t) picture.pixels[std::size_t(y) * 60 + x + t] = 0;
  }
  return picture;
}

// `count` random 28×28 "images" in three classes, and an evaluation of them that gets `wrong` of them
// wrong with the confidences given.
struct Evaluated {
  lenet5::Dataset data;
  lenet5::Evaluation evaluation;
};

Evaluated evaluated(std::size_t count, std::size_t wrong) {
  Evaluated e;
  e.data.count = count;
  e.data.rows = e.data.cols = 28;
  e.data.classes = {"cat", "dog", "Ankle boot"};
  std::mt19937 random(5);
  for (std::size_t i = 0; i < count * 28 * 28; ++i) e.data.images.push_back(std::uint8_t(random() % 256));
  e.evaluation.count = count;
  e.evaluation.confusion.assign(3, std::vector<std::size_t>(3, 0));
  for (std::size_t i = 0; i < count; ++i) {
    const int label = int(i % 3);
    e.data.labels.push_back(std::uint8_t(label));
    const int predicted = i < wrong ? (label + 1) % 3 : label;
    e.evaluation.predictions.push_back(predicted);
    e.evaluation.confidences.push_back(0.4f + 0.5f * float(i) / float(count));
    e.evaluation.margins.push_back(float(i));
    ++e.evaluation.confusion[label][predicted];
  }
  e.evaluation.correct = count - wrong;
  e.evaluation.accuracy = double(count - wrong) / double(count);
  return e;
}

// ---- the kinds --------------------------------------------------------------------------------------------

TEST(Figures, ConfusionDiagonalIsItsDarkest) {
  lenet5::Evaluation evaluation;
  evaluation.confusion = {{50, 2, 0, 1}, {1, 40, 3, 0}, {0, 0, 45, 9}, {4, 0, 0, 30}};
  evaluation.count = 185;
  evaluation.correct = 165;
  evaluation.accuracy = 165.0 / 185;
  const Figure figure = lenet5::confusion_figure(evaluation, {"0", "1", "two", "a long class name"}, "m.model", "the test set");
  const lenet5::Image image = check_figure(figure);
  ASSERT_EQ(regions_starting(figure, "cell "), 16u);
  // A cell's colour at its corner, away from the count written in its middle.
  const auto cell_luminance = [&](int row, int column) {
    const FigureRegion& cell = region(figure, "cell " + std::to_string(row) + " " + std::to_string(column));
    return luminance(pixel(image, cell.x + 3, cell.y + 3));
  };
  double lightest_diagonal = 0, darkest_elsewhere = 255;
  for (int row = 0; row < 4; ++row)
    for (int column = 0; column < 4; ++column) {
      if (row == column) lightest_diagonal = std::max(lightest_diagonal, cell_luminance(row, column));
      else darkest_elsewhere = std::min(darkest_elsewhere, cell_luminance(row, column));
    }
  EXPECT_LT(lightest_diagonal + 40, darkest_elsewhere);
  EXPECT_GT(cell_luminance(0, 2), 245);  // a count of 0 stays white
}

TEST(Figures, FiltersLeaveOutWhatTableOneLeavesOut) {
  for (const std::string name : {"classic", "modern"}) {
    const lenet5::Classifier classifier(shipped(name));
    const Figure figure = lenet5::filters_figure(classifier.layers(), "lenet5-" + name + ".model");
    const lenet5::Image image = check_figure(figure);
    EXPECT_EQ(regions_starting(figure, "C1 kernel "), 6u) << name;
    // Table I connects 60 of the 96 (C3 map, S2 map) pairs; the modern preset all of them.
    EXPECT_EQ(regions_starting(figure, "C3 kernel "), name == "classic" ? 60u : 96u) << name;
    if (name == "classic") {
      EXPECT_THROW(region(figure, "C3 kernel 0 3"), std::runtime_error);  // not in Table I
    }
    for (const FigureRegion& kernel : figure.regions())
      EXPECT_GT(colours_in(image, kernel).size(), 5u) << name << " " << kernel.name;
  }
}

TEST(Figures, MapsShowEveryTracedLayerAndTheWinner) {
  const lenet5::Classifier classifier(shipped("classic"));
  const lenet5::Image picture = drawn_seven();
  lenet5::PrepareOptions options;
  const lenet5::PreparedDigit prepared = lenet5::prepare_digit(picture, options);
  const auto trace = classifier.trace(prepared.field.pixels, 28, 28);
  const lenet5::Prediction prediction = classifier.classify(prepared.field.pixels, 28, 28);
  const Figure figure = lenet5::maps_figure(picture, trace, prediction.probabilities, lenet5::digit_class_names(),
                                            "lenet5-classic.model", "seven.png");
  const lenet5::Image image = check_figure(figure);
  for (const std::string layer : {"picture", "input", "C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT"})
    EXPECT_GE(colours_in(image, region(figure, layer)).size(), 2u) << layer;
  EXPECT_EQ(prediction.label, 7);
  // The winner's bar, in the first series colour, stands in the outputs.
  EXPECT_TRUE(has_colour_near(colours_in(image, region(figure, "OUTPUT")), lenet5::figures::series_colour(0)));
}

TEST(Figures, ErrorsHoldOneTilePerMistakeMostConfidentFirst) {
  const Evaluated e = evaluated(40, 7);
  const Figure all = lenet5::errors_figure(e.data, e.evaluation, 0, "m.model", "the test set");
  const lenet5::Image image = check_figure(all);
  ASSERT_EQ(regions_starting(all, "tile "), 7u);
  for (const FigureRegion& tile : all.regions()) EXPECT_GT(colours_in(image, tile).size(), 50u) << tile.name;
  // Mistakes 0–6 have growing confidences: the last one comes first, drawn at the first tile.
  const FigureRegion& first = region(all, "tile 0");
  const Rgb top_left = pixel(image, first.x + (first.width - 56) / 2, first.y);
  EXPECT_EQ(top_left.green, 255 - e.data.images[6 * 784]) << "tile 0 is not the most confident mistake";
  EXPECT_EQ(regions_starting(lenet5::errors_figure(e.data, e.evaluation, 3, "m.model", "the test set"), "tile "), 3u);
  EXPECT_EQ(regions_starting(lenet5::errors_figure(e.data, evaluated(40, 0).evaluation, 0, "m", "d"), "tile "), 0u);
}

TEST(Figures, CurvesDrawEveryLogInItsColour) {
  const lenet5::TrainingLog modern = lenet5::read_training_log(LENET5_SOURCE_DIR "/models/lenet5-modern.train.jsonl");
  const lenet5::TrainingLog classic = lenet5::read_training_log(LENET5_SOURCE_DIR "/models/lenet5-classic.train.jsonl");
  const Figure figure = lenet5::curves_figure({modern, classic});
  const lenet5::Image image = check_figure(figure);
  for (const std::string panel : {"loss", "accuracy"})
    for (std::size_t log = 0; log < 2; ++log)
      EXPECT_TRUE(has_colour_near(colours_in(image, region(figure, panel)), lenet5::figures::series_colour(log)))
          << panel << " " << log;
  EXPECT_FALSE(has_colour_near(colours_in(image, region(figure, "loss")), lenet5::figures::series_colour(2)));
}

TEST(Figures, RejectionDrawsACurvePerModel) {
  const Evaluated a = evaluated(300, 12), b = evaluated(300, 4);
  std::vector<lenet5::RejectionSeries> series;
  for (const Evaluated* e : {&a, &b})
    series.push_back({"m", lenet5::rejection_curve(e->evaluation.confidences, e->evaluation.predictions, e->data.labels)});
  const Figure figure = lenet5::rejection_figure(series, "lowest confidence", "the test set");
  const lenet5::Image image = check_figure(figure);
  for (std::size_t s = 0; s < 2; ++s)
    EXPECT_TRUE(has_colour_near(colours_in(image, region(figure, "plot")), lenet5::figures::series_colour(s))) << s;
}

TEST(Figures, AGreyImageKeepsItsPixels) {
  lenet5::GreyImage grey{3, 2, {0, 50, 100, 150, 200, 255}};
  const Figure figure = lenet5::image_figure(grey, 4);
  EXPECT_EQ(figure.width(), 12);
  EXPECT_EQ(figure.height(), 8);
  EXPECT_EQ(lenet5::decode_image(figure.encode(FigureFormat::png), "grey.png").channels, 1);  // stored grey
  const lenet5::Image image = decoded(figure, figure.encode(FigureFormat::png));
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 12; ++x) EXPECT_EQ(pixel(image, x, y).green, grey.pixels[std::size_t(y / 4) * 3 + x / 4]);
}

// The errors grid of a shipped model on MNIST's test digits holds as many tiles as the evaluation counts
// mistakes (the first 2,000: the sanitized build runs it too).
TEST(Figures, ErrorsOfTheShippedModelOnMnist) {
  const std::string dir = lenet5::testing_util::mnist_dir();
  if (!fs::exists(dir)) GTEST_SKIP() << "MNIST not found at " << dir << " (set LENET5_DATA)";
  const lenet5::Dataset test = lenet5::load_mnist(dir, lenet5::Split::test).head(2000);
  const lenet5::Classifier classifier(shipped("modern"));
  const lenet5::Evaluation evaluation = lenet5::evaluate(classifier, test);
  const Figure figure = lenet5::errors_figure(test, evaluation, 0, "lenet5-modern.model", "the MNIST test set");
  EXPECT_EQ(regions_starting(figure, "tile "), evaluation.count - evaluation.correct);
  EXPECT_GT(evaluation.count - evaluation.correct, 3u);
  const lenet5::Image image = decoded(figure, figure.encode(FigureFormat::png));
  for (const FigureRegion& tile : figure.regions()) EXPECT_GT(colours_in(image, tile).size(), 10u) << tile.name;
}

// ---- files, formats, fonts ------------------------------------------------------------------------------

class FigureFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lenet5-figures-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  fs::path dir_;
};

TEST_F(FigureFiles, TheFileNameChoosesTheFormat) {
  EXPECT_EQ(lenet5::figure_format("a.png"), FigureFormat::png);
  EXPECT_EQ(lenet5::figure_format("dir.v2/A.SVG"), FigureFormat::svg);
  for (const std::string bad : {"a.pdf", "png", "a.png.txt"})
    EXPECT_EQ(error_from([&] { lenet5::figure_format(bad); }),
              bad + ": figures are written as .png or .svg, named by the file's extension");
  const Figure figure = lenet5::image_figure({2, 2, {0, 85, 170, 255}}, 1);
  figure.save(path("f.svg"));
  figure.save(path("f.png"));
  EXPECT_EQ(lenet5::read_image(path("f.png")).pixels, (std::vector<std::uint8_t>{0, 85, 170, 255}));
  std::ifstream svg(path("f.svg"));
  std::string head;
  std::getline(svg, head);
  EXPECT_EQ(head, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  EXPECT_NE(error_from([&] { figure.save(path("no-such-folder/f.png")); }).find("no-such-folder/f.png"), std::string::npos);
}

TEST_F(FigureFiles, TrainingLogsAreReadWithTheirHeldOutAccuracy) {
  const lenet5::TrainingLog shipped_log = lenet5::read_training_log(LENET5_SOURCE_DIR "/models/lenet5-modern.train.jsonl");
  EXPECT_EQ(shipped_log.label, "lenet5-modern");
  EXPECT_EQ(shipped_log.held_out, "test");
  ASSERT_EQ(shipped_log.epochs.size(), 10u);
  EXPECT_EQ(shipped_log.epochs[0].epoch, 1);
  EXPECT_DOUBLE_EQ(shipped_log.epochs[0].train_loss, 0.8187270033);
  EXPECT_DOUBLE_EQ(*shipped_log.epochs[0].held_out_accuracy, 0.9815);

  const lenet5::TrainingLog validation = lenet5::read_training_log(write(
      "run.jsonl", "{\"epoch\":1,\"train_loss\":1.5,\"train_accuracy\":0.5,\"validation_accuracy\":null,\"seconds\":1}\n\n"
                   "{\"epoch\":2,\"train_loss\":0.5e-1,\"train_accuracy\":0.75,\"validation_accuracy\":0.625}\n"));
  EXPECT_EQ(validation.label, "run");
  EXPECT_EQ(validation.held_out, "validation");
  ASSERT_EQ(validation.epochs.size(), 2u);
  EXPECT_FALSE(validation.epochs[0].held_out_accuracy);
  EXPECT_DOUBLE_EQ(validation.epochs[1].train_loss, 0.05);
  EXPECT_DOUBLE_EQ(*validation.epochs[1].held_out_accuracy, 0.625);
}

TEST_F(FigureFiles, BadTrainingLogsAreNamedWithTheirLine) {
  const auto error_of = [&](const std::string& text) {
    const std::string file = write("bad.jsonl", text);
    return error_from([&] { lenet5::read_training_log(file); }).substr(file.size());
  };
  EXPECT_EQ(error_of(""), ": no epochs in the log (`lenet5 train --json` writes one JSON object per epoch)");
  EXPECT_EQ(error_of("\n  \n"), ": no epochs in the log (`lenet5 train --json` writes one JSON object per epoch)");
  EXPECT_EQ(error_of("{\"epoch\":1,\"train_loss\":1,\"train_accuracy\":0.5,\"test_accuracy\":0.5}\nepoch 2"),
            ": line 2: not a JSON object as `lenet5 train --json` writes (expected '{' at column 1)");
  EXPECT_EQ(error_of("{\"epoch\":1,\"train_loss\":1,\"test_accuracy\":0.5}"), ": line 1: no \"train_accuracy\"");
  EXPECT_EQ(error_of("{\"epoch\":1,\"train_loss\":\"x\",\"train_accuracy\":1,\"test_accuracy\":0.5}"),
            ": line 1: \"train_loss\" is not a number");
  EXPECT_EQ(error_of("{\"epoch\":1,\"train_loss\":1,\"train_accuracy\":1,\"test_accuracy\":0.5} x"),
            ": line 1: not a JSON object as `lenet5 train --json` writes (text after the object at column 67)");
  const auto epoch_of = [&](const std::string& fields) {
    return error_of("{\"epoch\":1,\"train_loss\":1,\"train_accuracy\":0.5,\"test_accuracy\":0.5}\n{" + fields + "}");
  };
  EXPECT_EQ(epoch_of("\"epoch\":1e300,\"train_loss\":1,\"train_accuracy\":1,\"test_accuracy\":1"),
            ": line 2: \"epoch\" is 1e+300, not between 1 and 1e+09");
  EXPECT_EQ(epoch_of("\"epoch\":0,\"train_loss\":1,\"train_accuracy\":1,\"test_accuracy\":1"),
            ": line 2: \"epoch\" is 0, not between 1 and 1e+09");
  EXPECT_EQ(epoch_of("\"epoch\":2.5,\"train_loss\":1,\"train_accuracy\":1,\"test_accuracy\":1"),
            ": line 2: \"epoch\" is 2.5, not a whole number");
  EXPECT_EQ(epoch_of("\"epoch\":2,\"train_loss\":1e999,\"train_accuracy\":1,\"test_accuracy\":1"),
            ": line 2: \"train_loss\" is inf, not a finite number of at least 0");
  EXPECT_EQ(epoch_of("\"epoch\":2,\"train_loss\":-nan,\"train_accuracy\":1,\"test_accuracy\":1"),
            ": line 2: \"train_loss\" is -nan, not a finite number of at least 0");
  EXPECT_EQ(epoch_of("\"epoch\":2,\"train_loss\":1,\"train_accuracy\":1.5,\"test_accuracy\":1"),
            ": line 2: \"train_accuracy\" is 1.5, not between 0 and 1");
  EXPECT_EQ(epoch_of("\"epoch\":2,\"train_loss\":1,\"train_accuracy\":1,\"test_accuracy\":-0.25"),
            ": line 2: \"test_accuracy\" is -0.25, not between 0 and 1");
  EXPECT_EQ(error_from([&] { lenet5::read_training_log(path("missing.jsonl")); }),
            path("missing.jsonl") + ": cannot open: No such file or directory");
}

TEST(FigureFonts, AFontThatIsNotInstalledIsAnErrorNotAStandIn) {
  EXPECT_NO_THROW(lenet5::figures::require_font_family("DejaVu Sans"));
  EXPECT_EQ(error_from([] { lenet5::figures::require_font_family("No Such Family 1998"); }),
            "the No Such Family 1998 font is not installed (Debian: apt-get install fonts-dejavu-core); figures set "
            "their text in it rather than in whatever font would stand in");
}

}  // namespace
