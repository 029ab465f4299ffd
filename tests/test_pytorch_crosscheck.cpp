// The modern preset against the PyTorch reference (../shared/anchors/pytorch_lenet5.py, driven by
// tests/pytorch_crosscheck.py), with the same random weights: the logits of a batch agree, and training 32 MNIST
// test images through lenet5::train gives the same weights as torch.optim on them: one SGD step (from zero
// velocity, so momentum is not seen yet);
// three with momentum and weight decay; five of Adam, without and with weight decay. Each side encodes the raw
// bytes itself (PyTorch with the anchor's own load(..., normalize=True)). Everything is compared layer by
// layer within 1e-5 of the layer's largest |value|. Skipped, saying why, where python3-torch or MNIST is
// absent (CI has both).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/train.hpp"
#include "nn/network.hpp"
#include "pytorch_anchor.hpp"

namespace lenet5 {
namespace {

using namespace pytorch;

constexpr double kTolerance = 1e-5;  // float32 on both sides
constexpr int kLogitBatch = 16;
constexpr std::size_t kImages = 32;

// A training run through lenet5::train with Schedule::constant. Batch = the whole set and one epoch per step:
// train() reshuffles every epoch, and over the whole set the order changes only the summation order, so
// PyTorch sees the same batches without reproducing our shuffle.
struct TrainingRun {
  const char* name;
  OptimizerKind optimizer;
  float learning_rate, momentum, weight_decay;
  int steps;
};
// Weight decay large enough (wd·|w| against |g|) that dropping or misplacing it shows.
constexpr TrainingRun kRuns[] = {
    {"sgd_one_step", OptimizerKind::sgd, 0.1f, 0.9f, 0.0f, 1},
    {"sgd_momentum_decay", OptimizerKind::sgd, 0.05f, 0.9f, 0.05f, 3},
    {"adam", OptimizerKind::adam, 1e-3f, 0.0f, 0.0f, 5},
    {"adam_decay", OptimizerKind::adam, 1e-3f, 0.0f, 0.05f, 5},
};

struct Comparison {
  Model initial;
  Dataset data;
  std::vector<float> inputs;  // kLogitBatch network inputs, for the logits
  std::vector<double> logits;
  std::vector<std::vector<double>> after;  // per run of kRuns
  std::vector<std::vector<double>> losses;  // per run, the mean cross-entropy before each step
};

class PytorchCrosscheck : public SharedRunTest<Comparison> {
 protected:
  void SetUp() override { start_shared("pytorch_lenet5.py", "pytorch_crosscheck.py"); }

  // Trains comparison().initial as `run` (an element of kRuns) says, with 1 and 2 threads, and expects PyTorch's weights and losses.
  void expect_run_agrees(const TrainingRun& run) const {
    const std::size_t index = std::size_t(&run - kRuns);
    const std::vector<double>& theirs = comparison().after[index];
    const auto groups = parameter_groups(network_);
    expect_moved_by_group(groups, widened(comparison().initial.parameters), theirs, 100 * kTolerance, run.name);
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::string(run.name) + ", threads " + std::to_string(threads));
      TrainOptions options;
      options.epochs = run.steps;
      options.batch = static_cast<int>(comparison().data.count);
      options.optimizer = run.optimizer;
      options.learning_rate = run.learning_rate;
      options.momentum = run.momentum;
      options.weight_decay = run.weight_decay;
      options.schedule = Schedule::constant;
      options.threads = threads;
      Model model = comparison().initial;
      std::vector<double> losses;
      TrainCallbacks callbacks;
      callbacks.on_epoch = [&](const EpochReport& report) { losses.push_back(report.train_loss); };
      train(model, comparison().data, nullptr, options, callbacks);

      const double weights = expect_close_by_group(groups, widened(model.parameters), theirs, kTolerance,
                                                   std::string("weights after ") + run.name,
                                                   parameter_describer(network_));
      const double loss = expect_close_by_group({{"loss", 0, losses.size()}}, losses, comparison().losses[index],
                                                kTolerance, "mean cross-entropy before each step",
                                                [](std::size_t step) { return "step " + std::to_string(step + 1); });
      std::printf("[ pytorch  ] %s, %d steps, threads %d: worst relative difference: weights %.3g (per layer), "
                  "losses %.3g\n",
                  run.name, run.steps, threads, weights, loss);
    }
  }

  const nn::Network<float> network_{modern_preset()};

 private:
  std::optional<Comparison> compare(std::string& skip_reason) override {
    std::optional<Dataset> data = mnist_test_images(kImages, skip_reason);
    if (!data) return std::nullopt;
    Comparison c;
    c.data = std::move(*data);
    c.initial = initialize_model(modern_preset(), 5);
    Rng rng(77);
    randomize_biases_and_coefficients(network_, c.initial.parameters, rng);
    c.inputs.resize(std::size_t(kLogitBatch) * network_.input_size());
    for (float& x : c.inputs) x = rng.uniform(-0.5f, 2.8f);  // about the modern preset's input range

    write_raw(dir() / "parameters.f32", c.initial.parameters);
    write_raw(dir() / "inputs.f32", c.inputs);
    const auto count = std::uint32_t(c.data.count);
    write_idx(dir() / "t10k-images-idx3-ubyte", {count, std::uint32_t(c.data.rows), std::uint32_t(c.data.cols)},
              c.data.images);
    write_idx(dir() / "t10k-labels-idx1-ubyte", {count}, c.data.labels);
    write_config();
    if (!run_script(skip_reason)) return std::nullopt;

    c.logits = read_raw<float>(dir() / "logits.f32");
    for (const TrainingRun& run : kRuns) {
      c.after.push_back(read_raw<float>(dir() / ("after_" + std::string(run.name) + ".f32")));
      c.losses.emplace_back();
      for (int step = 1; step <= run.steps; ++step)
        c.losses.back().push_back(result_number("loss_" + std::string(run.name) + "_" + std::to_string(step)));
    }
    return c;
  }

  void write_config() const {
    std::ofstream config(dir() / "config.json");
    const auto number = [](double value) {
      char text[32];
      std::snprintf(text, sizeof text, "%.9g", value);
      return std::string(text);
    };
    config << "{\"batch\": " << kLogitBatch << ", \"layers\": [";
    const auto groups = parameter_groups(network_);
    for (std::size_t i = 0; i < groups.size(); ++i)
      config << (i ? ", " : "") << "{\"name\": \"" << groups[i].name << "\", \"parameters\": " << groups[i].count
             << "}";
    config << "], \"runs\": [";
    for (const TrainingRun& run : kRuns)
      config << (&run == kRuns ? "" : ", ") << "{\"name\": \"" << run.name << "\", \"optimizer\": \""
             << to_string(run.optimizer) << "\", \"learning_rate\": " << number(run.learning_rate)
             << ", \"momentum\": " << number(run.momentum) << ", \"weight_decay\": " << number(run.weight_decay)
             << ", \"steps\": " << run.steps << "}";
    config << "]}\n";
  }
};

TEST_F(PytorchCrosscheck, LogitsAgreeForTheSameWeights) {
  auto workspace = network_.make_workspace(kLogitBatch, false);
  const float* output =
      network_.forward(comparison().initial.parameters.data(), comparison().inputs.data(), kLogitBatch, workspace);
  const std::vector<double> logits(output, output + std::size_t(kLogitBatch) * network_.output_size());
  const double worst = expect_close_by_group({{"logits", 0, logits.size()}}, logits, comparison().logits, kTolerance,
                                             "logits", [](std::size_t i) {
                                               return "sample " + std::to_string(i / 10) + ", class " +
                                                      std::to_string(i % 10);
                                             });
  std::printf("[ pytorch  ] logits: worst relative difference %.3g\n", worst);
}

TEST_F(PytorchCrosscheck, OneSgdStepGivesTheSameWeights) { expect_run_agrees(kRuns[0]); }
TEST_F(PytorchCrosscheck, ThreeSgdStepsWithMomentumAndWeightDecayGiveTheSameWeights) { expect_run_agrees(kRuns[1]); }
TEST_F(PytorchCrosscheck, FiveAdamStepsGiveTheSameWeights) { expect_run_agrees(kRuns[2]); }
TEST_F(PytorchCrosscheck, FiveAdamStepsWithWeightDecayGiveTheSameWeights) { expect_run_agrees(kRuns[3]); }

}  // namespace
}  // namespace lenet5
