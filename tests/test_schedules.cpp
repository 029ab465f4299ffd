// The learning-rate schedules: the paper's by pass (§III-B), cosine and step at chosen steps, and what
// train() reports for each epoch.
#include <gtest/gtest.h>

#include <vector>

#include "lenet5/model.hpp"
#include "lenet5/train.hpp"
#include "schedule.hpp"

namespace lenet5 {
namespace {

TEST(Schedule, PaperRateForEveryPass) {
  // §III-B: η = 0.0005 for passes 1–2, 0.0002 for 3–5, 0.0001 for 6–8, 0.00005 for 9–12, 0.00001 for 13–20.
  const std::vector<double> paper_rate = {0.0005, 0.0005,                              // passes 1–2
                                          0.0002, 0.0002, 0.0002,                      // 3–5
                                          0.0001, 0.0001, 0.0001,                      // 6–8
                                          0.00005, 0.00005, 0.00005, 0.00005,          // 9–12
                                          0.00001, 0.00001, 0.00001, 0.00001, 0.00001, 0.00001, 0.00001, 0.00001};
  TrainOptions options;
  options.schedule = Schedule::paper;
  options.learning_rate = 0.0005f;
  for (int pass = 1; pass <= 20; ++pass) {
    // The step within the run does not matter to this schedule: try the pass's first step and a late one.
    for (const long step : {long(pass - 1) * 100, 1999L})
      EXPECT_NEAR(learning_rate_at(options, step, 2000, pass - 1), paper_rate[pass - 1], 1e-6 * paper_rate[pass - 1])
          << "pass " << pass;
  }
  // The factors scale whatever rate is given: at 1, the rate is the factor (1, 0.4, 0.2, 0.1, 0.02).
  options.learning_rate = 1.0f;
  EXPECT_NEAR(learning_rate_at(options, 0, 1, 3), 0.4, 1e-7);
  EXPECT_NEAR(learning_rate_at(options, 0, 1, 12), 0.02, 1e-7);
}

TEST(Schedule, CosineFallsFromTheRateToZeroOverTheRun) {
  // lr · ½(1 + cos(π t/T)) with lr = 0.2, T = 300 (the epoch is irrelevant):
  //   t = 0: 0.2;  t = 100: 0.1·(1 + ½) = 0.15;  t = 150: 0.1;  t = 200: 0.1·(1 − ½) = 0.05;  t = 300: 0.
  TrainOptions options;
  options.schedule = Schedule::cosine;
  options.learning_rate = 0.2f;
  EXPECT_NEAR(learning_rate_at(options, 0, 300, 0), 0.2, 1e-7);
  EXPECT_NEAR(learning_rate_at(options, 100, 300, 1), 0.15, 1e-7);
  EXPECT_NEAR(learning_rate_at(options, 150, 300, 1), 0.1, 1e-7);
  EXPECT_NEAR(learning_rate_at(options, 200, 300, 2), 0.05, 1e-7);
  EXPECT_NEAR(learning_rate_at(options, 300, 300, 2), 0.0, 1e-7);
}

TEST(Schedule, StepHalvesEveryStepEpochsAndConstantNeverChanges) {
  // step_epochs = 3: epochs 0–2 (0-based) at lr, 3–5 at lr/2, 6–8 at lr/4, 9 at lr/8.
  TrainOptions options;
  options.schedule = Schedule::step;
  options.learning_rate = 0.8f;
  options.step_epochs = 3;
  const float expected[] = {0.8f, 0.8f, 0.8f, 0.4f, 0.4f, 0.4f, 0.2f, 0.2f, 0.2f, 0.1f};
  for (int epoch = 0; epoch < 10; ++epoch)
    EXPECT_FLOAT_EQ(learning_rate_at(options, epoch * 7L, 70, epoch), expected[epoch]) << "epoch " << epoch;
  options.schedule = Schedule::constant;
  for (int epoch = 0; epoch < 10; ++epoch) EXPECT_EQ(learning_rate_at(options, epoch * 7L, 70, epoch), 0.8f);
}

TEST(Schedule, TrainReportsThePaperRateForEachPass) {
  // A one-image set on a tiny network (2×2 input, one dense layer into the RBF output): 20 passes of one
  // step each, so each EpochReport::learning_rate is its pass's rate.
  NetworkSpec spec;
  spec.preset = "tiny";
  spec.input = {1, 2, 2};
  spec.layers = {{"F", DenseSpec{84, std::nullopt}}, {"OUTPUT", RbfSpec{10}}};
  spec.loss = LossKind::mse;
  Model model = initialize_model(spec, 1);
  Dataset data;
  data.count = 1;
  data.rows = data.cols = 2;
  data.images = {0, 255, 128, 0};
  data.labels = {4};
  TrainOptions options = recommended_training("classic");
  options.curvature_samples = 1;
  std::vector<float> rates;
  train(model, data, nullptr, options, {.on_progress = {}, .on_epoch = [&](const EpochReport& report) {
                                          rates.push_back(report.learning_rate);
                                        }});
  ASSERT_EQ(rates.size(), 20u);
  const double factor[] = {1, 1, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1,  // §III-B, η / 0.0005
                           0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02};
  for (int pass = 0; pass < 20; ++pass)
    EXPECT_NEAR(rates[pass], 0.0005 * factor[pass], 1e-6 * 0.0005 * factor[pass]) << "pass " << pass + 1;
}

}  // namespace
}  // namespace lenet5
