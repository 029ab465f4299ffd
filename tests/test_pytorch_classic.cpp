// The classic preset against the 1998 LeNet-5 written from the paper in ../shared/anchors/pytorch_lenet5_classic.py
// (driven by tests/pytorch_classic_crosscheck.py): on 16 MNIST test images, each side encoding the raw bytes
// itself, with the same random weights (biases and subsampling coefficients included) and our RBF
// prototypes, the penalties, the MAP (j = 7) and MSE losses, every parameter's gradient under both losses and
// the weights after one plain SGD step agree, within 1e-9 in double precision and 1e-5 in float, each relative
// to the largest magnitude of the same quantity in the same layer. The float step goes through lenet5::train;
// in double our side's step is w − lr·g on our gradient (the update rules are pinned by test_optimizers.cpp). Our trainable subsampling scales the block's
// mean, so the anchor runs with subsample="mean". Skipped, saying why, where python3-torch or MNIST is absent
// (CI has both).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "data/input.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/train.hpp"
#include "nn/loss.hpp"
#include "nn/network.hpp"
#include "nn/rbf_prototypes.hpp"
#include "pytorch_anchor.hpp"

namespace lenet5 {
namespace {

using namespace pytorch;

constexpr std::size_t kImages = 16;
constexpr double kDoubleTolerance = 1e-9;
constexpr double kFloatTolerance = 1e-5;
// Both encoders round to float (ours always: its table is float), so the encodings agree to about one ulp.
constexpr double kInputTolerance = 1e-6;
// Large enough that the step changes every layer by more than 100 × the float tolerance.
constexpr float kLearningRate = 0.5f;

// What one side computes in one precision, widened to double.
struct Results {
  std::vector<double> inputs;  // the encoded batch
  std::vector<double> penalties;
  double map_loss = 0.0, mse_loss = 0.0;  // means over the batch
  std::vector<double> map_gradient, mse_gradient;
  std::vector<double> after_sgd;  // the parameters after one SGD step on the MAP loss
};

// Our network in precision T on the batch, everything but the SGD step.
template <class T>
Results compute_ours(const NetworkSpec& spec, const std::vector<float>& parameters, const Dataset& data) {
  const nn::Network<T> network(spec);
  const std::vector<T> weights(parameters.begin(), parameters.end());
  const InputEncoder encoder(spec);
  const int batch = static_cast<int>(data.count), classes = network.output_size();
  std::vector<T> inputs(std::size_t(batch) * network.input_size());
  for (int i = 0; i < batch; ++i)
    encoder.encode(data.image(i).data(), data.cols, data.rows, inputs.data() + std::size_t(i) * network.input_size());
  Results ours;
  ours.inputs = widened(inputs);
  auto workspace = network.make_workspace(batch, true);
  for (const LossKind kind : {LossKind::map, LossKind::mse}) {
    const T* penalties = network.forward(weights.data(), inputs.data(), batch, workspace);
    ours.penalties.assign(penalties, penalties + std::size_t(batch) * classes);
    const nn::LossResult loss = nn::compute_loss<T>(kind, spec.map_constant, penalties, data.labels.data(), batch,
                                                    classes, T(1) / T(batch), network.output_gradient(workspace));
    std::vector<T> gradient(network.parameter_count(), T(0));
    network.backward(weights.data(), inputs.data(), batch, workspace, gradient.data());
    (kind == LossKind::map ? ours.map_loss : ours.mse_loss) = loss.sum / batch;
    (kind == LossKind::map ? ours.map_gradient : ours.mse_gradient) = widened(gradient);
  }
  return ours;
}

// One plain SGD step on the MAP loss through lenet5::train, in float: the whole set as one batch.
std::vector<double> sgd_step_through_train(const Model& initial, const Dataset& data) {
  TrainOptions options;
  options.epochs = 1;
  options.batch = static_cast<int>(data.count);
  options.optimizer = OptimizerKind::sgd;
  options.momentum = 0.0f;
  options.schedule = Schedule::constant;
  options.learning_rate = kLearningRate;
  options.threads = 2;  // the per-thread gradients' reduction is part of the check
  Model model = initial;
  train(model, data, nullptr, options);
  return widened(model.parameters);
}

// With random weights every penalty is above 100, so e^−j swamps Σ e^−y_i and the MAP loss is the MSE loss
// minus j to the last digit: its competitive term (eq. 9) would go untested. F6's biases near 1.5·atanh(w/1.7159)
// of digit `digit`'s prototype, and its weights shrunk, put that digit's penalty below j for every image.
void steer_f6_toward_prototype(const nn::Network<float>& network, std::vector<float>& parameters, int digit,
                               Rng& rng) {
  const std::vector<float> prototypes = nn::rbf_prototypes();
  for (const Group& group : parameter_groups(network)) {
    if (group.name != "F6") continue;
    const std::size_t units = nn::kPrototypeSize, weights = group.count - units;
    for (std::size_t i = group.offset; i < group.offset + weights; ++i) parameters[i] *= 0.1f;
    for (std::size_t j = 0; j < units; ++j)
      parameters[group.offset + weights + j] =
          1.5f * std::atanh(prototypes[std::size_t(digit) * units + j] / 1.7159f) + rng.uniform(-0.1f, 0.1f);
  }
}

struct Precision {
  const char* name;  // as the python side names its files
  double tolerance;
};
constexpr Precision kDouble{"float64", kDoubleTolerance}, kFloat{"float32", kFloatTolerance};

// Everything both sides computed, once per test process (ctest runs each test in its own: a python run each).
struct Comparison {
  std::vector<double> parameters;  // before the step
  Results ours_double, ours_float, theirs_double, theirs_float;

  const Results& ours(const Precision& p) const { return &p == &kDouble ? ours_double : ours_float; }
  const Results& theirs(const Precision& p) const { return &p == &kDouble ? theirs_double : theirs_float; }
};

class PytorchClassic : public SharedRunTest<Comparison> {
 protected:
  void SetUp() override { start_shared("pytorch_lenet5_classic.py", "pytorch_classic_crosscheck.py"); }

  const NetworkSpec spec_ = classic_preset();
  const nn::Network<float> network_{spec_};

 private:
  std::optional<Comparison> compare(std::string& skip_reason) override {
    const std::optional<Dataset> data = mnist_test_images(kImages, skip_reason);
    if (!data) return std::nullopt;
    Model model = initialize_model(spec_, 3);
    Rng rng(1998);
    randomize_biases_and_coefficients(network_, model.parameters, rng);
    steer_f6_toward_prototype(network_, model.parameters, 0, rng);

    write_raw(dir() / "images.u8", data->images);
    write_raw(dir() / "labels.u8", data->labels);
    const std::vector<float> prototypes = nn::rbf_prototypes();
    write_raw(dir() / "prototypes.f64", widened(prototypes));
    write_raw(dir() / "parameters.f64", widened(model.parameters));
    write_config();
    if (!run_script(skip_reason)) return std::nullopt;

    Comparison c;
    c.parameters = widened(model.parameters);
    c.ours_double = compute_ours<double>(spec_, model.parameters, *data);
    c.ours_double.after_sgd = c.parameters;
    for (std::size_t i = 0; i < c.parameters.size(); ++i)
      c.ours_double.after_sgd[i] -= double(kLearningRate) * c.ours_double.map_gradient[i];
    c.ours_float = compute_ours<float>(spec_, model.parameters, *data);
    c.ours_float.after_sgd = sgd_step_through_train(model, *data);
    c.theirs_double = read_theirs(kDouble);
    c.theirs_float = read_theirs(kFloat);
    return c;
  }

  void write_config() const {
    std::ofstream config(dir() / "config.json");
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.9g", double(kLearningRate));
    config << "{\"count\": " << kImages << ", \"map_constant\": " << spec_.map_constant
           << ", \"learning_rate\": " << rate << ", \"layers\": [";
    const auto groups = parameter_groups(network_);
    for (std::size_t i = 0; i < groups.size(); ++i)
      config << (i ? ", " : "") << "{\"name\": \"" << groups[i].name << "\", \"parameters\": " << groups[i].count
             << "}";
    config << "], \"c3_connections\": [";
    for (const LayerSpec& layer : spec_.layers)
      if (layer.name == "C3") {
        const auto& table = std::get<ConvSpec>(layer.op).connections;
        for (std::size_t c3 = 0; c3 < table.size(); ++c3) {
          config << (c3 ? ", [" : "[");
          for (std::size_t s2 = 0, listed = 0; s2 < table[c3].size(); ++s2)
            if (table[c3][s2]) config << (listed++ ? ", " : "") << s2;
          config << "]";
        }
      }
    config << "]}\n";
  }

  Results read_theirs(const Precision& precision) const {
    const std::string suffix = std::string("_") + precision.name + ".f64";
    Results theirs;
    theirs.inputs = read_raw<double>(dir() / ("inputs" + suffix));
    theirs.penalties = read_raw<double>(dir() / ("penalties" + suffix));
    theirs.map_gradient = read_raw<double>(dir() / ("map_gradient" + suffix));
    theirs.mse_gradient = read_raw<double>(dir() / ("mse_gradient" + suffix));
    theirs.after_sgd = read_raw<double>(dir() / ("after_sgd" + suffix));
    theirs.map_loss = result_number(std::string("map_loss_") + precision.name);
    theirs.mse_loss = result_number(std::string("mse_loss_") + precision.name);
    return theirs;
  }
};

std::string describe_penalty(std::size_t index) {
  return "image " + std::to_string(index / 10) + ", class " + std::to_string(index % 10);
}

TEST_F(PytorchClassic, InputsAreEncodedAlike) {
  // Ours in float against the anchor's encode() in float32 and in float64: the scaling −0.1/1.175 of §II-B
  // and the 2-pixel background border.
  const Group all{"inputs", 0, kImages * 32 * 32};
  const auto describe = [](std::size_t i) {
    return "image " + std::to_string(i / 1024) + ", row " + std::to_string(i / 32 % 32) + ", column " +
           std::to_string(i % 32);
  };
  for (const Precision* precision : {&kDouble, &kFloat}) {
    const double worst = expect_close_by_group({all}, comparison().ours_float.inputs,
                                               comparison().theirs(*precision).inputs, kInputTolerance,
                                               std::string("inputs, anchor in ") + precision->name, describe);
    std::printf("[ pytorch  ] classic inputs vs the anchor's %s encoding: worst relative difference %.3g\n",
                precision->name, worst);
  }
}

TEST_F(PytorchClassic, PenaltiesAndLossesAgree) {
  for (const Precision* precision : {&kDouble, &kFloat}) {
    SCOPED_TRACE(precision->name);
    const Results& ours = comparison().ours(*precision);
    const Results& theirs = comparison().theirs(*precision);
    const double penalties = expect_close_by_group({{"penalties", 0, ours.penalties.size()}}, ours.penalties,
                                                   theirs.penalties, precision->tolerance, "RBF penalties",
                                                   describe_penalty);
    const auto no_index = [](std::size_t) { return std::string("the batch mean"); };
    const double map = expect_close_by_group({{"loss", 0, 1}}, {ours.map_loss}, {theirs.map_loss},
                                             precision->tolerance, "MAP loss (j = 7)", no_index);
    const double mse = expect_close_by_group({{"loss", 0, 1}}, {ours.mse_loss}, {theirs.mse_loss},
                                             precision->tolerance, "MSE loss", no_index);
    const double competitive = theirs.map_loss - (theirs.mse_loss - double(classic_preset().map_constant));
    EXPECT_GT(std::abs(competitive), 0.1) << "Σ e^−y_i is negligible next to e^−j: MAP is MSE − j, its own term untested";
    std::printf("[ pytorch  ] classic %s: worst relative difference: penalties %.3g, MAP loss %.3g (%.9g), "
                "MSE loss %.3g (%.9g)\n",
                precision->name, penalties, map, theirs.map_loss, mse, theirs.mse_loss);
  }
}

TEST_F(PytorchClassic, GradientsAgreeForBothLosses) {
  const auto groups = parameter_groups(network_);
  for (const Precision* precision : {&kDouble, &kFloat}) {
    SCOPED_TRACE(precision->name);
    const Results& ours = comparison().ours(*precision);
    const Results& theirs = comparison().theirs(*precision);
    const double map = expect_close_by_group(groups, ours.map_gradient, theirs.map_gradient, precision->tolerance,
                                             "MAP gradients", parameter_describer(network_));
    const double mse = expect_close_by_group(groups, ours.mse_gradient, theirs.mse_gradient, precision->tolerance,
                                             "MSE gradients", parameter_describer(network_));
    std::printf("[ pytorch  ] classic %s gradients: worst relative difference per layer: MAP %.3g, MSE %.3g\n",
                precision->name, map, mse);
  }
}

TEST_F(PytorchClassic, OneSgdStepGivesTheSameWeights) {
  // Double: w − lr·g on our gradient; float: one step of lenet5::train. The anchor: torch.optim.SGD.
  const auto groups = parameter_groups(network_);
  for (const Precision* precision : {&kDouble, &kFloat}) {
    SCOPED_TRACE(precision->name);
    const Results& ours = comparison().ours(*precision);
    const Results& theirs = comparison().theirs(*precision);
    expect_moved_by_group(groups, comparison().parameters, theirs.after_sgd, 100 * kFloatTolerance, "the SGD step");
    const double worst = expect_close_by_group(groups, ours.after_sgd, theirs.after_sgd, precision->tolerance,
                                               "weights after one SGD step", parameter_describer(network_));
    std::printf("[ pytorch  ] classic %s: weights after one SGD step: worst relative difference per layer %.3g\n",
                precision->name, worst);
  }
}

}  // namespace
}  // namespace lenet5
