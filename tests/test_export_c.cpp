// The C export (lenet5/export.hpp, docs/export.md): the quantisation's arithmetic on hand-worked numbers, and
// the generated C itself, compiled with the issue's flags (cc -std=c99 -Wall -Wextra -Werror -pedantic) and
// run on synthetic digits: float32 gives the Classifier's scores, int8 scores within a few output steps of
// them, the integer helpers round as documented, two prefixed models link into one program, and the folder
// rules hold. scripts/check-export-c.sh runs the shipped models on all 10,000 MNIST test digits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

#include "export/c_quantize.hpp"
#include "lenet5/export.hpp"
#include "lenet5/model.hpp"
#include "nn/rbf_prototypes.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using lenet5::Classifier;
using lenet5::CSource;
using lenet5::c_export::make_rescale;
using lenet5::c_export::Rescale;
using lenet5::testing_util::error_from;

constexpr int kSide = 28;
constexpr std::size_t kImageBytes = kSide * kSide;

// Digit-like images without MNIST: the RBF layer's ten 7×12 bitmaps (5×10 of ink) drawn 2× into 10×20 boxes
// as MNIST's digits are, strokes thickened by a grey rim, at four shifts each.
lenet5::Dataset synthetic_digits() {
  lenet5::Dataset data;
  data.rows = data.cols = kSide;
  const int shifts[4][2] = {{0, 0}, {-1, 1}, {1, -1}, {2, 1}};
  for (int digit = 0; digit < 10; ++digit)
    for (const auto& shift : shifts) {
      std::vector<std::uint8_t> image(kImageBytes, 0);
      const auto& bitmap = lenet5::nn::digit_bitmaps()[digit];
      for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 10; ++x) {
          if (bitmap[1 + y / 2][1 + x / 2] != '#') continue;
          const int row = 4 + y + shift[1], column = 9 + x + shift[0];
          for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
              std::uint8_t& pixel = image[(row + dy) * kSide + column + dx];
              pixel = std::max<std::uint8_t>(pixel, dx == 0 && dy == 0 ? 255 : 120);
            }
        }
      data.images.insert(data.images.end(), image.begin(), image.end());
      data.labels.push_back(static_cast<std::uint8_t>(digit));
      ++data.count;
    }
  return data;
}

Classifier shipped(const std::string& preset) {
  return Classifier(lenet5::load_model(LENET5_SOURCE_DIR "/models/lenet5-" + preset + ".model"));
}

// A folder of its own under the system's temporary folder, removed with everything in it.
class Scratch {
 public:
  Scratch() {
    static int made = 0;
    path_ = fs::temp_directory_path() / ("lenet5-export-c-" + std::to_string(::getpid()) + "-" + std::to_string(made++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// cc with the issue's flags; the compiler's messages are part of the failure when it fails.
void compile(const std::vector<std::string>& sources, const fs::path& folder, const fs::path& program) {
  std::string command = "cc -std=c99 -O1 -Wall -Wextra -Werror -pedantic -I" + folder.string();
  for (const std::string& source : sources) command += " " + source;
  const fs::path log = folder / "compiler.txt";
  command += " -lm -o " + program.string() + " > " + log.string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command << "\n" << read_text(log);
}

struct Outputs {
  std::vector<int> classes;
  std::vector<std::vector<double>> scores;  // as the C function wrote them (int8: in score units)
};

// Writes `source` to a folder, compiles it with tests/export_c/harness.c and runs it on `images`.
Outputs run_exported(const CSource& source, const lenet5::Dataset& images) {
  Scratch scratch;
  lenet5::write_c_source(source, scratch.path().string());
  const fs::path program = scratch.path() / "harness";
  compile({LENET5_SOURCE_DIR "/tests/export_c/harness.c", (scratch.path() / source.source_name).string()}, scratch.path(),
          program);
  {
    std::ofstream input(scratch.path() / "images.idx", std::ios::binary);
    input.write(std::string(16, '\0').data(), 16);  // the IDX header, which the harness skips
    input.write(reinterpret_cast<const char*>(images.images.data()), std::streamsize(images.images.size()));
  }
  const fs::path output = scratch.path() / "output.txt";
  const std::string command = program.string() + " < " + (scratch.path() / "images.idx").string() + " > " + output.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  Outputs outputs;
  std::istringstream lines(read_text(output));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    int best = -1;
    fields >> best;
    outputs.classes.push_back(best);
    outputs.scores.emplace_back(std::istream_iterator<double>(fields), std::istream_iterator<double>());
  }
  return outputs;
}

std::vector<float> classifier_scores(const Classifier& classifier, const lenet5::Dataset& images) {
  std::vector<float> scores(images.count * classifier.classes());
  classifier.score_batch(images.images, kSide, kSide, images.count, scores);
  return scores;
}

// ---- the quantisation's arithmetic ----------------------------------------------------------------------

TEST(ExportCQuantisation, RescaleKeeps31BitsOfTheFactor) {
  EXPECT_EQ(make_rescale(1.0), (Rescale{1 << 30, 30}));
  EXPECT_EQ(make_rescale(0.25), (Rescale{1 << 30, 32}));
  EXPECT_EQ(make_rescale(-0.75), (Rescale{-1610612736, 31}));  // −0.75 = −(3 · 2^29) / 2^31
  EXPECT_EQ(make_rescale(0.0), (Rescale{0, 1}));
  EXPECT_EQ(make_rescale(1e-12), (Rescale{0, 1}));  // below 2^−32: every int32 times it rounds to 0
  for (const double factor : {3.1e-5, 0.0123456789, 0.7, 1.9, 1234.5678, -0.00042}) {
    const Rescale r = make_rescale(factor);
    EXPECT_GE(std::abs(double(r.multiplier)), 0x1p30) << factor;
    EXPECT_NEAR(r.multiplier * std::exp2(-r.shift), factor, std::fabs(factor) * 0x1p-30) << factor;
  }
  EXPECT_THAT(error_from([] { make_rescale(0x1p31); }), testing::HasSubstr("cannot express the factor"));
  EXPECT_THAT(error_from([] { make_rescale(std::nan("")); }), testing::HasSubstr("cannot express the factor"));
}

TEST(ExportCQuantisation, WeightsAreSymmetricPerOutputChannel) {
  const std::vector<float> weights{0.5f, -1.0f, 0.25f, 0, 0, 0, 2.0f, 1.0f, -0.0039f};
  const auto q = lenet5::c_export::quantize_channels(weights, 3);
  EXPECT_THAT(q.values, testing::ElementsAre(64, -127, 32, 0, 0, 0, 127, 64, 0));  // 63.5 rounds away from 0
  EXPECT_THAT(q.scales, testing::ElementsAre(testing::DoubleEq(1.0 / 127), 1.0, testing::DoubleEq(2.0 / 127)));
}

TEST(ExportCQuantisation, InputScalingFoldsIntoTheFirstLayer) {
  // The classic preset's encoding: −0.1 + 0.005 · byte (1.275 / 255 = 0.005).
  std::vector<float> weights{2, -1, 4, 0};
  std::vector<double> biases{0.5, 0};
  const lenet5::InputScaling classic{-0.1f, 1.175f};
  lenet5::c_export::fold_input_scaling(weights, biases, std::span(&classic, 1));
  EXPECT_THAT(weights, testing::ElementsAre(testing::FloatNear(0.01f, 1e-8f), testing::FloatNear(-0.005f, 1e-8f),
                                            testing::FloatNear(0.02f, 1e-8f), 0.0f));
  EXPECT_THAT(biases, testing::ElementsAre(testing::DoubleNear(0.4, 1e-7), testing::DoubleNear(-0.4, 1e-7)));
  // Each channel by its own pair: [0, 1] and [−1, 1].
  std::vector<float> colour{1, 3};
  std::vector<double> bias{0.25};
  const std::vector<lenet5::InputScaling> pairs{{0, 1}, {-1, 1}};
  lenet5::c_export::fold_input_scaling(colour, bias, pairs);
  EXPECT_THAT(colour, testing::ElementsAre(testing::FloatEq(1.0f / 255), testing::FloatEq(6.0f / 255)));
  EXPECT_THAT(bias, testing::ElementsAre(testing::DoubleEq(0.25 - 3)));
}

// Each layer's output step: a ReLU layer's calibrated range / 127, kept through a subsampling without
// parameters, the squashing functions' bound / 127; the last layer's a power of two.
TEST(ExportCQuantisation, OutputStepsFollowTheCalibration) {
  const std::vector<float> ranges{12.7f, 1e6f, 25.4f, 1e6f, 1.27f, 2.54f, 1e6f};
  const auto modern = lenet5::c_export::quantize(shipped("modern"), ranges);
  std::vector<double> steps;
  for (const auto& layer : modern.layers) steps.push_back(layer.output_scale);
  EXPECT_THAT(std::vector<double>(steps.begin(), steps.end() - 1),
              testing::Pointwise(testing::DoubleNear(1e-8), {0.1, 0.1, 0.2, 0.2, 0.01, 0.02}));  // the ranges are floats
  EXPECT_EQ(std::exp2(std::round(std::log2(steps.back()))), steps.back());
  EXPECT_EQ(modern.layers[0].low, 0);   // C1: ReLU
  EXPECT_EQ(modern.layers[1].low, -127);  // S2: average pooling
  EXPECT_EQ(modern.layers.back().coding, lenet5::c_export::Coding::scores);
  const auto classic = lenet5::c_export::quantize(shipped("classic"), std::vector<float>(7, 1e6f));
  ASSERT_EQ(classic.tables.size(), 1u);  // one scaled-tanh table for all six layers
  for (std::size_t l = 0; l + 1 < classic.layers.size(); ++l) {
    EXPECT_EQ(classic.layers[l].coding, lenet5::c_export::Coding::table) << l;
    EXPECT_DOUBLE_EQ(classic.layers[l].output_scale, 1.7159 / 127) << l;
  }
}

TEST(ExportCQuantisation, TablesHoldTheSquashingFunctionsWithinAQuarterStep) {
  for (const lenet5::Activation activation : {lenet5::Activation::scaled_tanh, lenet5::Activation::logistic}) {
    const auto table = lenet5::c_export::make_table(activation);
    const bool tanh = activation == lenet5::Activation::scaled_tanh;
    const double bound = tanh ? 1.7159 : 1.0, steepest = tanh ? 1.7159 * 2 / 3 : 0.25;
    EXPECT_DOUBLE_EQ(table.output_scale, bound / 127);
    EXPECT_LE(table.step * steepest / 2, table.output_scale / 4);
    ASSERT_EQ(table.values.size(), std::size_t(2 * table.reach + 1));
    EXPECT_EQ(table.values.back(), 127);
    EXPECT_EQ(table.values.front(), tanh ? -127 : 0);
    EXPECT_NE(table.values[table.values.size() - 2], 127) << "flat only at the end";
    for (int index = -table.reach; index <= table.reach; index += 37) {
      const double a = index * table.step;
      const double f = tanh ? 1.7159 * std::tanh(2 * a / 3) : 1 / (1 + std::exp(-a));
      EXPECT_EQ(table.values[index + table.reach], std::lround(f / table.output_scale)) << index;
    }
  }
  EXPECT_THAT(error_from([] { lenet5::c_export::make_table(lenet5::Activation::relu); }), testing::HasSubstr("no bound"));
}

TEST(ExportCQuantisation, CalibrationFindsEachLayersLargestOutput) {
  const Classifier classifier = shipped("modern");
  const lenet5::Dataset digits = synthetic_digits().head(3);
  std::vector<float> largest(classifier.layers().size());
  for (std::size_t i = 0; i < digits.count; ++i) {
    const auto maps = classifier.trace(digits.image(i), kSide, kSide);  // maps[0] is the encoded input
    for (std::size_t l = 0; l < largest.size(); ++l)
      for (float value : maps[l + 1].values) largest[l] = std::max(largest[l], std::fabs(value));
  }
  EXPECT_EQ(lenet5::c_export::calibrate(classifier, digits), largest);
}

// ---- the generated C --------------------------------------------------------------------------------------

// The tests that compile the generated C need a C compiler, `cc`, as a user of the export does.
class ExportC : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler: cc is not on PATH";
  }
};

TEST_F(ExportC, FloatGivesTheClassifiersScores) {
  const lenet5::Dataset digits = synthetic_digits();
  for (const std::string preset : {"modern", "classic"}) {
    const Classifier classifier = shipped(preset);
    const Outputs c = run_exported(lenet5::c_float_source(classifier, {}), digits);
    const std::vector<float> expected = classifier_scores(classifier, digits);
    const auto predictions = classifier.predict(digits);
    ASSERT_EQ(c.classes.size(), digits.count) << preset;
    int correct = 0;
    for (std::size_t i = 0; i < digits.count; ++i) {
      EXPECT_EQ(c.classes[i], predictions.labels[i]) << preset << " digit " << i;
      correct += c.classes[i] == digits.labels[i];
      ASSERT_EQ(c.scores[i].size(), 10u);
      double largest = 0;
      for (int k = 0; k < 10; ++k) largest = std::max(largest, std::fabs(double(expected[i * 10 + k])));
      for (int k = 0; k < 10; ++k) EXPECT_NEAR(c.scores[i][k], expected[i * 10 + k], 1e-5 * largest) << preset << " " << i;
    }
    EXPECT_GE(correct, 30) << preset << ": the synthetic digits should mostly read as digits";
  }
}

// The int8 network against the float one it came from, on the images it was calibrated on: every score within
// a few hundredths of the scores' spread (the largest minus the smallest score of an image), the mean error
// within a few thousandths, and the class the same wherever float's margin is clear.
TEST_F(ExportC, Int8StaysCloseToFloat) {
  const lenet5::Dataset digits = synthetic_digits();
  for (const std::string preset : {"modern", "classic"}) {
    const Classifier classifier = shipped(preset);
    const CSource source = lenet5::c_int8_source(classifier, digits, {});
    const Outputs c = run_exported(source, digits);
    const std::vector<float> expected = classifier_scores(classifier, digits);
    const auto predictions = classifier.predict(digits);
    const std::string scale_macro = "#define LENET5_SCORE_SCALE ";
    const double unit = std::stod(source.header.substr(source.header.find(scale_macro) + scale_macro.size()));
    ASSERT_EQ(c.classes.size(), digits.count) << preset;
    double worst = 0, total = 0, spread = 0;
    for (std::size_t i = 0; i < digits.count; ++i) {
      const auto [low, high] = std::minmax_element(expected.begin() + i * 10, expected.begin() + i * 10 + 10);
      spread = std::max(spread, double(*high - *low));
      for (int k = 0; k < 10; ++k) {
        const double error = std::fabs(c.scores[i][k] * unit - expected[i * 10 + k]);
        worst = std::max(worst, error);
        total += error;
      }
      if (predictions.margins[i] > 0.05 * (*high - *low)) {
        EXPECT_EQ(c.classes[i], predictions.labels[i]) << preset << " " << i;
      }
    }
    // Measured: the largest error 1.4 % (modern) and 1.6 % (classic) of the spread, the mean 0.36 and 0.27 %.
    EXPECT_LT(worst, 0.03 * spread) << preset << ": the largest error of an int8 score";
    EXPECT_LT(total / double(10 * digits.count), 0.006 * spread) << preset << ": the mean error of an int8 score";
  }
}

// What a program printed that includes the generated C (its static helpers too) and runs `statements`.
std::string run_with_model(const CSource& source, const std::string& statements) {
  Scratch scratch;
  lenet5::write_c_source(source, scratch.path().string());
  const fs::path check = scratch.path() / "check.c";
  std::ofstream(check) << "#include <stdio.h>\n#include \"" << source.source_name << "\"\nint main(void) {\n"
                       << statements << "  return 0;\n}\n";
  const fs::path program = scratch.path() / "check", output = scratch.path() / "output.txt";
  compile({check.string()}, scratch.path(), program);
  EXPECT_EQ(std::system((program.string() + " > " + output.string()).c_str()), 0);
  return read_text(output);
}

// The integer helpers: rescale() rounds half up, saturate() clamps, a table looks up and is flat beyond its reach.
TEST_F(ExportC, Int8HelpersRoundAndClampAsDocumented) {
  const lenet5::Dataset digits = synthetic_digits().head(4);
  const std::string rescaled =
      run_with_model(lenet5::c_int8_source(shipped("modern"), digits, {}),
                     "  const struct rescale half = {1 << 30, 31}, minus_half = {-(1 << 30), 31};\n"
                     "  printf(\"%ld %ld %ld %ld %ld %ld %d %d\", (long)rescale(5, half), (long)rescale(-5, half),\n"
                     "         (long)rescale(7, half), (long)rescale(-7, half), (long)rescale(5, minus_half),\n"
                     "         (long)rescale(2000000000, half), saturate(300, 0, 127), saturate(-300, -127, 127));\n");
  // 2.5 → 3, −2.5 → −2, 3.5 → 4, −3.5 → −3, −2.5 → −2, 10^9 exactly (the product needs 61 bits).
  EXPECT_EQ(rescaled, "3 -2 4 -3 -2 1000000000 127 -127");
  const auto table = lenet5::c_export::make_table(lenet5::Activation::scaled_tanh);
  std::string statements, expected;
  for (int index : {0, 1, 2, 100, -100, table.reach, table.reach + 1, 100000, -100000}) {
    statements += "  printf(\"%d \", scaled_tanh(" + std::to_string(index) + "));\n";
    expected += std::to_string(table.values[std::clamp(index, -table.reach, table.reach) + table.reach]) + " ";
  }
  EXPECT_EQ(run_with_model(lenet5::c_int8_source(shipped("classic"), digits, {}), statements), expected);
}

TEST_F(ExportC, TwoPrefixedModelsLinkIntoOneProgram) {
  Scratch scratch;
  lenet5::CExportOptions modern, classic;
  modern.prefix = "modern";
  classic.prefix = "Classic8";
  const lenet5::Dataset digits = synthetic_digits();
  const CSource a = lenet5::c_float_source(shipped("modern"), modern);
  const CSource b = lenet5::c_int8_source(shipped("classic"), digits, classic);
  EXPECT_EQ(a.header_name, "modern_model.h");
  EXPECT_EQ(b.source_name, "Classic8_model.c");
  EXPECT_THAT(b.header, testing::HasSubstr("#define CLASSIC8_INPUT_WIDTH 28"));
  lenet5::write_c_source(a, (scratch.path() / "a").string());
  lenet5::write_c_source(b, (scratch.path() / "b").string());
  const std::span<const std::uint8_t> three = digits.image(12);  // a 3, which both read clearly
  std::string three_text;
  for (int row = 0; row < kSide; ++row) {
    three_text += "{";
    for (int column = 0; column < kSide; ++column) three_text += std::to_string(three[row * kSide + column]) + ",";
    three_text += "},";
  }
  const fs::path main = scratch.path() / "main.c";
  std::ofstream(main) << "#include <stdio.h>\n#include \"a/modern_model.h\"\n#include \"b/Classic8_model.h\"\n"
                         "static const unsigned char three[MODERN_INPUT_HEIGHT][MODERN_INPUT_WIDTH] = {"
                      << three_text << "};\n"
                         "int main(void) {\n"
                         "  printf(\"%s %s\\n\", modern_class_names[modern_classify(three)],\n"
                         "         Classic8_class_names[Classic8_classify(three)]);\n"
                         "  return 0;\n}\n";
  const fs::path program = scratch.path() / "two";
  compile({main.string(), (scratch.path() / "a" / a.source_name).string(), (scratch.path() / "b" / b.source_name).string()},
          scratch.path(), program);
  const fs::path output = scratch.path() / "output.txt";
  ASSERT_EQ(std::system((program.string() + " > " + output.string()).c_str()), 0);
  EXPECT_EQ(read_text(output), "3 3\n");
  EXPECT_EQ(shipped("modern").classify(three, kSide, kSide).label, 3);
  EXPECT_EQ(shipped("classic").classify(three, kSide, kSide).label, 3);
}

TEST_F(ExportC, BadPrefixesAndNetworksAreRefused) {
  const Classifier classifier = shipped("modern");
  for (const std::string& prefix : {std::string(), std::string("9lives"), std::string("two words"), std::string("a-b"),
                                   std::string(33, 'x')}) {
    lenet5::CExportOptions options;
    options.prefix = prefix;
    EXPECT_THAT(error_from([&] { lenet5::c_float_source(classifier, options); }), testing::HasSubstr("is not a C identifier"))
        << prefix;
  }
  lenet5::NetworkSpec pooled_first = lenet5::modern_preset();
  pooled_first.layers.erase(pooled_first.layers.begin());  // S2 first: nothing for the bytes to fold into
  const Classifier odd(lenet5::initialize_model(pooled_first, 1));
  EXPECT_THAT(error_from([&] { lenet5::c_int8_source(odd, synthetic_digits().head(2), {}); }),
              testing::HasSubstr("needs a conv or full first layer"));
  EXPECT_THAT(error_from([&] { lenet5::c_int8_source(classifier, lenet5::Dataset{}, {}); }),
              testing::HasSubstr("needs calibration images"));
}

// Colour and other class counts export as they are: the image gets a channel dimension, the scores one per class.
TEST_F(ExportC, ColourModelsWithOtherClassCountsExport) {
  const lenet5::NetworkSpec spec = lenet5::fit_to_data(lenet5::modern_preset(), 3, 4);
  lenet5::Model model = lenet5::initialize_model(spec, 1);
  model.classes = {"cat", "dog \"quoted\"", "b\\ird", "caf\xc3\xa9?"};
  const CSource source = lenet5::c_float_source(Classifier(model), {});
  EXPECT_THAT(source.header, testing::HasSubstr("#define LENET5_INPUT_CHANNELS 3"));
  EXPECT_THAT(source.header, testing::HasSubstr("#define LENET5_CLASSES 4"));
  EXPECT_THAT(source.header, testing::HasSubstr(
                                 "lenet5_classify(const unsigned char image[LENET5_INPUT_CHANNELS][LENET5_INPUT_HEIGHT]"));
  EXPECT_THAT(source.source, testing::HasSubstr(R"({"cat", "dog \"quoted\"", "b\\ird", "caf\303\251\077"})"));
  Scratch scratch;
  lenet5::write_c_source(source, scratch.path().string());
  compile({"-c", (scratch.path() / source.source_name).string()}, scratch.path(), scratch.path() / "model.o");
}

TEST_F(ExportC, FolderRulesNeverTouchOtherFiles) {
  Scratch scratch;
  const CSource source = lenet5::c_float_source(shipped("modern"), {});
  const fs::path folder = scratch.path() / "new" / "nested";
  lenet5::write_c_source(source, folder.string());
  EXPECT_EQ(read_text(folder / "lenet5_model.h"), source.header);
  lenet5::write_c_source(source, folder.string());  // an earlier export is replaced
  std::ofstream(folder / "notes.txt") << "mine";
  EXPECT_THAT(error_from([&] { lenet5::write_c_source(source, folder.string()); }),
              testing::AllOf(testing::HasSubstr("already holds other files (notes.txt)"),
                             testing::HasSubstr("nothing was written")));
  EXPECT_EQ(read_text(folder / "notes.txt"), "mine");
  const fs::path file = scratch.path() / "file";
  std::ofstream(file) << "x";
  EXPECT_THAT(error_from([&] { lenet5::write_c_source(source, file.string()); }),
              testing::HasSubstr("exists and is not a folder"));
}

}  // namespace
