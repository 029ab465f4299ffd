// Touching pairs trained as no class (data/touching_pairs.hpp): how a pair is put together, that the set
// adds exactly those pairs prepared as one digit, the loss's targets for an example of no class, and what
// training refuses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "data/touching_pairs.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/preprocess.hpp"
#include "lenet5/train.hpp"
#include "nn/loss.hpp"
#include "test_util.hpp"

namespace lenet5 {
namespace {

using testing::HasSubstr;
using testing_util::error_from;
using testing_util::loss_of;

// A 28×28 digit: ink `level` in columns [left, left + width) of rows 4–23.
std::vector<std::uint8_t> bar(int left, int width, std::uint8_t level = 255) {
  std::vector<std::uint8_t> digit(kDigitField * kDigitField, 0);
  for (int y = 4; y < 24; ++y)
    for (int x = left; x < left + width; ++x) digit[std::size_t(y) * kDigitField + x] = level;
  return digit;
}

TEST(TouchingPairs, PutTheSecondDigitOverlapOrBesideTheFirst) {
  const std::vector<std::uint8_t> a = bar(5, 6, 200), b = bar(17, 4, 100);
  for (const int overlap : {2, 1, 0, -1}) {
    SCOPED_TRACE(overlap);
    const Image pair = touching_pair(a, b, overlap);
    ASSERT_EQ(pair.height, kDigitField);
    ASSERT_EQ(pair.width, 2 + 6 + 4 - overlap + 2);
    for (int x = 0; x < pair.width; ++x) {
      // The first in columns 2–7, the second from 8 − overlap: the brighter ink where both are.
      const bool in_a = x >= 2 && x < 8, in_b = x >= 8 - overlap && x < 12 - overlap;
      const int expected = in_a ? 200 : in_b ? 100 : 0;
      EXPECT_EQ(pair.pixels[std::size_t(10) * pair.width + x], expected) << "column " << x;
      EXPECT_EQ(pair.pixels[std::size_t(2) * pair.width + x], 0) << "column " << x;
    }
  }
  EXPECT_TRUE(touching_pair(a, std::vector<std::uint8_t>(kDigitField * kDigitField, 0), 0).pixels.empty());
}

Dataset two_digits() {
  Dataset data;
  data.count = 2;
  data.rows = data.cols = kDigitField;
  for (const auto& digit : {bar(3, 5), bar(12, 9)}) data.images.insert(data.images.end(), digit.begin(), digit.end());
  data.labels = {1, 7};
  return data;
}

// With two digits there are 16 possible pairs: each added one is one of them, prepared as a digit, and
// every overlap is drawn.
TEST(TouchingPairs, AreAddedAfterTheDigitsAsPreparedPairsOfNoClass) {
  const Dataset data = two_digits();
  const Dataset out = with_touching_pairs(data, 60.0 / 2, 3);
  ASSERT_EQ(out.count, 62u);
  ASSERT_EQ(out.images.size(), 62u * kDigitField * kDigitField);
  ASSERT_EQ(out.labels.size(), 62u);
  EXPECT_TRUE(std::equal(data.images.begin(), data.images.end(), out.images.begin()));
  EXPECT_EQ(out.labels[0], 1);
  EXPECT_EQ(out.labels[1], 7);
  std::set<int> overlaps;
  for (std::size_t i = 2; i < out.count; ++i) {
    EXPECT_EQ(out.labels[i], kNotOneClass);
    const auto image = out.image(i);
    bool found = false;
    for (std::size_t first = 0; first < 2 && !found; ++first)
      for (std::size_t second = 0; second < 2 && !found; ++second)
        for (const int overlap : {2, 1, 0, -1}) {
          const PreparedDigit prepared = prepare_digit(touching_pair(data.image(first), data.image(second), overlap),
                                                       {.polarity = Polarity::light_ink});
          if (std::equal(image.begin(), image.end(), prepared.field.pixels.begin())) {
            found = true;
            overlaps.insert(overlap);
            break;
          }
        }
    EXPECT_TRUE(found) << "example " << i << " is no prepared pair of the two digits";
  }
  EXPECT_EQ(overlaps, (std::set<int>{2, 1, 0, -1}));
  EXPECT_EQ(with_touching_pairs(data, 30, 3).images, out.images);
  EXPECT_NE(with_touching_pairs(data, 30, 4).images, out.images);
  EXPECT_EQ(with_touching_pairs(data, 0.25, 3).count, 3u);  // round(0.5)
  EXPECT_EQ(with_touching_pairs(data, 0.2, 3).count, 2u);
}

TEST(TouchingPairs, NeedTwentyEightPixelDigitsWithInk) {
  Dataset small = two_digits();
  small.rows = small.cols = 14;
  small.images.resize(2 * 14 * 14);
  EXPECT_THAT(error_from([&] { with_touching_pairs(small, 1, 1); }), HasSubstr("28x28 grey digits"));
  Dataset blank = two_digits();
  std::fill(blank.images.begin(), blank.images.end(), 0);
  EXPECT_THAT(error_from([&] { with_touching_pairs(blank, 1, 1); }), HasSubstr("too few training images with ink"));
}

// No class: softmax's target is uniform, E = log Σ e^{z_i} − mean z; MAP's is the rubbish class,
// E = j + log(e^{−j} + Σ e^{−y_i}); MSE has no term.
TEST(TouchingPairs, AreTrainedTowardsAUniformSoftmaxOrMapsRubbishClass) {
  const std::vector<double> y = {3.0, 0.5, 7.0, 2.0};
  double softmax_total = 0, map_total = std::exp(-1.5);
  for (const double v : y) softmax_total += std::exp(v), map_total += std::exp(-v);
  EXPECT_NEAR(loss_of(LossKind::softmax_cross_entropy, y, kNotOneClass), std::log(softmax_total) - 12.5 / 4, 1e-12);
  EXPECT_NEAR(loss_of(LossKind::map, y, kNotOneClass), 1.5 + std::log(map_total), 1e-12);
  for (const LossKind kind : {LossKind::softmax_cross_entropy, LossKind::map}) {
    SCOPED_TRACE(int(kind));
    std::vector<double> grad(4);
    const auto result = nn::compute_loss(kind, 1.5f, y.data(), &kNotOneClass, 1, 4, 1.0, grad.data());
    EXPECT_EQ(result.correct, 0);
    constexpr double h = 1e-5;
    for (int i = 0; i < 4; ++i) {
      auto plus = y, minus = y;
      plus[i] += h;
      minus[i] -= h;
      EXPECT_NEAR(grad[i], (loss_of(kind, plus, kNotOneClass) - loss_of(kind, minus, kNotOneClass)) / (2 * h), 1e-8)
          << i;
    }
  }
  std::vector<double> grad(4, 9.0);
  EXPECT_EQ(nn::compute_loss(LossKind::mse, 1.5f, y.data(), &kNotOneClass, 1, 4, 1.0, grad.data()).sum, 0.0);
  EXPECT_EQ(grad, std::vector<double>(4, 0.0));
}

// Training with pairs: the digits' accuracy counts the digits alone, and a pair comes out less sure of
// any one class than without them.
TEST(TouchingPairs, TrainAModelUnsureOfPairs) {
  Dataset data;
  data.rows = data.cols = kDigitField;
  for (int i = 0; i < 200; ++i) {
    const int label = i % 2;
    const auto digit = label ? bar(10 + i % 5, 3) : bar(8 + i % 5, 8);
    data.images.insert(data.images.end(), digit.begin(), digit.end());
    data.labels.push_back(std::uint8_t(label));
  }
  data.count = 200;
  data.classes = {"0", "1"};
  const PreparedDigit pair =
      prepare_digit(touching_pair(data.image(0), data.image(1), 0), {.polarity = Polarity::light_ink});
  const auto trained = [&](float touching_pairs) {
    TrainOptions options;
    options.epochs = 4;
    options.batch = 16;
    options.threads = 1;
    options.touching_pairs = touching_pairs;
    Model model = initialize_model(fit_to_data(modern_preset(), 1, 2), 1);
    model.classes = data.classes;
    double accuracy = 0;
    train(model, data, nullptr, options, {.on_epoch = [&](const EpochReport& report) { accuracy = report.train_accuracy; }});
    EXPECT_GT(accuracy, 0.9);
    const Prediction prediction = Classifier(model).classify(pair.field.pixels, kDigitField, kDigitField);
    return *std::max_element(prediction.probabilities.begin(), prediction.probabilities.end());
  };
  const float without = trained(0), with = trained(1);
  EXPECT_GT(without, 0.9f);
  EXPECT_LT(with, 0.7f);
}

TEST(TouchingPairs, AreRefusedWhereNoClassHasNoMeaning) {
  Dataset data = two_digits();
  data.classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  TrainOptions options;
  options.touching_pairs = 0.5f;
  Model classic = initialize_model(fit_to_data(classic_preset(), 1, 10), 1);
  classic.spec.loss = LossKind::mse;
  EXPECT_THAT(error_from([&] { train(classic, data, nullptr, options); }), HasSubstr("MSE criterion (eq. 8)"));
  Model plain = initialize_model(fit_to_data(modern_preset(), 1, 10), 1);
  plain.preparation = InputPreparation::plain;
  EXPECT_THAT(error_from([&] { train(plain, data, nullptr, options); }), HasSubstr("made for digit models"));
  options.touching_pairs = 1.5f;
  EXPECT_THAT(error_from([&] { train(plain, data, nullptr, options); }), HasSubstr("0–1 per training digit"));
}

}  // namespace
}  // namespace lenet5
