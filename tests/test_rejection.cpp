// Error against rejection (lenet5/rejection.hpp): the curve and the rejection that reaches an error, pinned
// on small hand-made examples whose every point is worked out below.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "lenet5/rejection.hpp"
#include "test_util.hpp"

namespace {

using lenet5::RejectionPoint;
using lenet5::testing_util::error_from;

// Six examples, scores exact in binary. Sorted by score: 0.25 (wrong), 0.25 (wrong), 0.5, 0.625, 0.875 (wrong), 1.
const std::vector<float> kScores{1.0f, 0.25f, 0.625f, 0.25f, 0.875f, 0.5f};
const std::vector<int> kPredictions{1, 2, 3, 4, 5, 6};
const std::vector<std::uint8_t> kLabels{1, 0, 3, 0, 0, 6};

void expect_point(const RejectionPoint& point, double rejected, double error, double threshold) {
  EXPECT_DOUBLE_EQ(point.rejected, rejected);
  EXPECT_DOUBLE_EQ(point.error, error);
  EXPECT_DOUBLE_EQ(point.threshold, threshold);
}

TEST(Rejection, EveryThresholdRejectsTheLowestScoresAndTiesTogether) {
  const std::vector<RejectionPoint> curve = lenet5::rejection_curve(kScores, kPredictions, kLabels);
  ASSERT_EQ(curve.size(), 5u);  // no stop between the two 0.25s, none rejecting all six
  expect_point(curve[0], 0.0, 3.0 / 6, 0.0);
  expect_point(curve[1], 2.0 / 6, 1.0 / 4, 0.375);    // both 0.25s: 1 wrong of the 4 kept
  expect_point(curve[2], 3.0 / 6, 1.0 / 3, 0.5625);   // and the 0.5
  expect_point(curve[3], 4.0 / 6, 1.0 / 2, 0.75);     // and the 0.625: the error grows again
  expect_point(curve[4], 5.0 / 6, 0.0, 0.9375);       // only the 1 kept
}

TEST(Rejection, TheLeastRejectionThatReachesAnError) {
  const std::vector<RejectionPoint> curve = lenet5::rejection_curve(kScores, kPredictions, kLabels);
  const auto at = [&](double error) { return lenet5::rejection_for(curve, error); };
  ASSERT_TRUE(at(0.5));
  expect_point(*at(0.5), 0.0, 0.5, 0.0);            // reached without rejecting
  ASSERT_TRUE(at(0.25));
  expect_point(*at(0.25), 2.0 / 6, 0.25, 0.375);    // an error equal to the target reaches it
  ASSERT_TRUE(at(0.2));
  expect_point(*at(0.2), 5.0 / 6, 0.0, 0.9375);     // past the points where the error rose
}

TEST(Rejection, AnErrorNoThresholdReachesIsNone) {
  // The highest score is wrong and tied with the only right one: no threshold keeps the right one alone.
  const std::vector<float> scores{0.5f, 0.5f, 0.25f};
  const std::vector<int> predictions{1, 0, 1};
  const std::vector<std::uint8_t> labels{0, 0, 0};
  const std::vector<RejectionPoint> curve = lenet5::rejection_curve(scores, predictions, labels);
  ASSERT_EQ(curve.size(), 2u);
  expect_point(curve[1], 1.0 / 3, 0.5, 0.375);
  EXPECT_FALSE(lenet5::rejection_for(curve, 0.1));
}

TEST(Rejection, RefusesInputsThatAreNotOnePerExample) {
  const std::vector<float> two{0.5f, 0.5f};
  const std::vector<int> one{0};
  const std::vector<std::uint8_t> labels{0};
  EXPECT_EQ(error_from([&] { lenet5::rejection_curve(two, one, labels); }),
            "rejection curve: 2 scores, 1 predictions and 1 labels; they must be one per example");
  EXPECT_EQ(error_from([&] { lenet5::rejection_curve({}, {}, {}); }), "rejection curve: no examples");
  for (const float bad : {-0.5f, std::nanf("")}) {
    const std::vector<float> scores{bad};
    EXPECT_EQ(error_from([&] { lenet5::rejection_curve(scores, one, labels); }),
              "rejection curve: a score is negative or not a number");
  }
}

}  // namespace
