// The whole network against the PyTorch reference (../shared/anchors/pytorch_lenet5.py, driven by
// tests/pytorch_crosscheck.py): with the same weights the logits of a batch agree within 1e-4, and one SGD
// step through lenet5::train gives the same new weights within 1e-5. Skipped, saying why, where python3
// or python3-torch is absent (CI installs python3-torch).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "data/input.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/train.hpp"
#include "nn/network.hpp"

namespace lenet5 {
namespace {

namespace fs = std::filesystem;

constexpr double kLogitTolerance = 1e-4;
constexpr double kWeightTolerance = 1e-5;
constexpr double kLossTolerance = 1e-5;

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class T>
void write_raw(const fs::path& path, const std::vector<T>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::vector<float> read_floats(const fs::path& path) {
  const std::string bytes = read_text(path);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(values.size() * sizeof(float)),
            reinterpret_cast<char*>(values.data()));
  return values;
}

// The layers with parameters and the flat range each owns.
struct ParameterRange {
  std::string name;
  std::size_t offset = 0, count = 0, biases = 0;  // biases: the last `biases` entries of the range
};

std::vector<ParameterRange> parameter_ranges(const nn::Network<float>& network) {
  std::vector<ParameterRange> ranges;
  for (std::size_t i = 0; i < network.layer_count(); ++i) {
    const auto& layer = network.layer(i);
    if (layer.parameter_count() == 0) continue;
    ranges.push_back({network.spec().layers[i].name, network.parameter_offset(i), layer.parameter_count(),
                      std::size_t(layer.output_shape().channels)});
  }
  return ranges;
}

// initialize_model starts every bias at 0; random biases make their place in the flat buffer part of the check.
void randomize_biases(const nn::Network<float>& network, std::vector<float>& parameters, Rng& rng) {
  for (const auto& range : parameter_ranges(network))
    for (std::size_t i = range.offset + range.count - range.biases; i < range.offset + range.count; ++i)
      parameters[i] = rng.uniform(-0.1f, 0.1f);
}

struct Difference {
  double max = 0.0;
  std::size_t index = 0;
};

Difference max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  Difference d;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const double diff = std::abs(double(a[i]) - double(b[i]));
    if (diff > d.max || std::isnan(diff)) d = {std::isnan(diff) ? INFINITY : diff, i};
  }
  return d;
}

// "C3 weight 1234 of 2400" / "F6 bias 7": where a flat index lies, for failure messages.
std::string describe_parameter(const nn::Network<float>& network, std::size_t index) {
  for (const auto& range : parameter_ranges(network)) {
    if (index < range.offset || index >= range.offset + range.count) continue;
    const std::size_t local = index - range.offset, weights = range.count - range.biases;
    return range.name + (local < weights ? " weight " + std::to_string(local) + " of " + std::to_string(weights)
                                         : " bias " + std::to_string(local - weights));
  }
  return "index " + std::to_string(index);
}

// Largest difference in each layer, for failure messages.
std::string per_layer_differences(const nn::Network<float>& network, const std::vector<float>& a,
                                  const std::vector<float>& b) {
  std::ostringstream out;
  for (const auto& range : parameter_ranges(network)) {
    const std::vector<float> x(a.begin() + range.offset, a.begin() + range.offset + range.count);
    const std::vector<float> y(b.begin() + range.offset, b.begin() + range.offset + range.count);
    out << " " << range.name << " " << max_difference(x, y).max << ";";
  }
  return out.str();
}

struct Reference {
  std::vector<float> logits;            // batch × 10, before the step
  std::vector<float> parameters_after;  // after one SGD step
  double loss = 0.0;                    // mean cross-entropy before the step
};

class PytorchCrosscheck : public testing::Test {
 protected:
  void SetUp() override {
    const char* python = std::getenv("LENET5_PYTHON");
    python_ = python && *python ? python : "/usr/bin/python3";
    const char* anchors = std::getenv("LENET5_ANCHORS");
    anchor_ = (anchors && *anchors ? fs::path(anchors) : fs::path(LENET5_SOURCE_DIR) / ".." / "shared" / "anchors") /
              "pytorch_lenet5.py";
    script_ = fs::path(LENET5_SOURCE_DIR) / "tests" / "pytorch_crosscheck.py";
    if (!fs::exists(python_)) GTEST_SKIP() << "SKIPPED: " << python_ << " not found (apt-get install python3-torch)";
    if (!fs::exists(anchor_))
      GTEST_SKIP() << "SKIPPED: the PyTorch anchor " << anchor_ << " is missing (set LENET5_ANCHORS to its folder)";
    ASSERT_TRUE(fs::exists(script_)) << script_ << " is missing";
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("lenet5_test_pytorch_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs the PyTorch side on `inputs` (batch × 32 × 32, already encoded). Sets `skip_reason` and returns
  // false where torch is missing; a failed assertion otherwise stops the test.
  bool run_reference(const nn::Network<float>& network, const std::vector<float>& parameters,
                     const std::vector<float>& inputs, const std::vector<std::uint8_t>& labels, float learning_rate,
                     Reference& reference, std::string& skip_reason) {
    const int batch = static_cast<int>(labels.size());
    write_raw(dir_ / "parameters.f32", parameters);
    write_raw(dir_ / "inputs.f32", inputs);
    write_raw(dir_ / "labels.u8", labels);
    {
      std::ofstream config(dir_ / "config.json");
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.9g", double(learning_rate));
      config << "{\"batch\": " << batch << ", \"learning_rate\": " << rate << ", \"momentum\": 0.9, \"layers\": [";
      const auto ranges = parameter_ranges(network);
      for (std::size_t i = 0; i < ranges.size(); ++i)
        config << (i ? ", " : "") << "{\"name\": \"" << ranges[i].name << "\", \"parameters\": " << ranges[i].count
               << "}";
      config << "]}\n";
    }
    const fs::path log = dir_ / "output.txt";
    const std::string command = shell_quoted(python_) + " " + shell_quoted(script_.string()) + " " +
                                shell_quoted(anchor_.string()) + " " + shell_quoted(dir_.string()) + " >" +
                                shell_quoted(log.string()) + " 2>&1";
    const int status = std::system(command.c_str());
    const std::string output = read_text(log);
    EXPECT_NE(status, -1) << "cannot run " << command;
    if (status == -1) return false;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
      skip_reason = "SKIPPED: " + output;
      return false;
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << " failed:\n" << output;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;

    reference.logits = read_floats(dir_ / "logits.f32");
    reference.parameters_after = read_floats(dir_ / "parameters_after.f32");
    const std::string result = read_text(dir_ / "result.json");
    const auto at = result.find("\"loss\":");
    EXPECT_NE(at, std::string::npos) << "no loss in result.json: " << result;
    if (at == std::string::npos) return false;
    reference.loss = std::strtod(result.c_str() + at + 7, nullptr);
    EXPECT_EQ(reference.logits.size(), std::size_t(batch) * network.output_size());
    EXPECT_EQ(reference.parameters_after.size(), parameters.size());
    return reference.logits.size() == std::size_t(batch) * network.output_size() &&
           reference.parameters_after.size() == parameters.size();
  }

  std::string python_;
  fs::path anchor_, script_, dir_;
};

TEST_F(PytorchCrosscheck, LogitsAgreeForTheSameWeights) {
  const NetworkSpec spec = modern_preset();
  const nn::Network<float> network(spec);
  Model model = initialize_model(spec, 11);
  Rng rng(2024);
  randomize_biases(network, model.parameters, rng);

  constexpr int batch = 16;
  std::vector<float> inputs(std::size_t(batch) * network.input_size());
  for (float& x : inputs) x = rng.uniform(-0.5f, 2.8f);  // about the modern preset's input range
  std::vector<std::uint8_t> labels(batch);
  for (auto& label : labels) label = static_cast<std::uint8_t>(rng.below(10));

  auto workspace = network.make_workspace(batch, true);
  const float* output = network.forward(model.parameters.data(), inputs.data(), batch, workspace);
  const std::vector<float> logits(output, output + std::size_t(batch) * network.output_size());

  Reference reference;
  std::string skip;
  if (!run_reference(network, model.parameters, inputs, labels, 0.1f, reference, skip)) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }
  const Difference d = max_difference(logits, reference.logits);
  EXPECT_LE(d.max, kLogitTolerance) << "logits differ by " << d.max << " at sample " << d.index / 10 << ", class "
                                    << d.index % 10 << ": ours " << logits[d.index] << ", PyTorch "
                                    << reference.logits[d.index];
  float largest = 0.0f;
  for (float z : logits) largest = std::max(largest, std::abs(z));
  EXPECT_GT(largest, 1000 * kLogitTolerance) << "logits too small for the comparison to mean anything";
  std::printf("[ pytorch  ] logits: max |ours - PyTorch| = %.3g (largest |logit| %.3g)\n", d.max, double(largest));
}

TEST_F(PytorchCrosscheck, OneSgdStepThroughTrainGivesTheSameWeights) {
  const NetworkSpec spec = modern_preset();
  const nn::Network<float> network(spec);
  Model initial = initialize_model(spec, 5);
  Rng rng(77);
  randomize_biases(network, initial.parameters, rng);

  constexpr int count = 32;
  Dataset data;
  data.count = count;
  data.rows = data.cols = 28;
  data.images.resize(std::size_t(count) * 28 * 28);
  data.labels.resize(count);
  for (auto& byte : data.images) byte = static_cast<std::uint8_t>(rng.below(256));
  for (int i = 0; i < count; ++i) data.labels[i] = static_cast<std::uint8_t>(i % 10);

  // The PyTorch side gets the inputs exactly as train() encodes them.
  const InputEncoder encoder(spec);
  std::vector<float> inputs(std::size_t(count) * network.input_size());
  for (int i = 0; i < count; ++i)
    encoder.encode(data.image(i).data(), data.cols, data.rows, inputs.data() + std::size_t(i) * network.input_size());

  constexpr float learning_rate = 0.1f;
  Reference reference;
  std::string skip;
  if (!run_reference(network, initial.parameters, inputs, data.labels, learning_rate, reference, skip)) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }

  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    TrainOptions options;
    options.epochs = 1;
    options.batch = count;  // one step over the whole set: the shuffle changes only the summation order
    options.optimizer = OptimizerKind::sgd;
    options.momentum = 0.9f;
    options.schedule = Schedule::constant;
    options.learning_rate = learning_rate;
    options.threads = threads;
    Model model = initial;
    double train_loss = NAN;
    TrainCallbacks callbacks;
    callbacks.on_epoch = [&](const EpochReport& report) { train_loss = report.train_loss; };
    train(model, data, nullptr, options, callbacks);

    const Difference moved = max_difference(model.parameters, initial.parameters);
    EXPECT_GT(moved.max, 100 * kWeightTolerance) << "the step barely changed the weights; the check means nothing";
    const Difference d = max_difference(model.parameters, reference.parameters_after);
    EXPECT_LE(d.max, kWeightTolerance) << "new weights differ by " << d.max << " at "
                                       << describe_parameter(network, d.index) << ": ours " << model.parameters[d.index]
                                       << ", PyTorch " << reference.parameters_after[d.index]
                                       << ", before the step " << initial.parameters[d.index]
                                       << "; largest difference per layer:"
                                       << per_layer_differences(network, model.parameters, reference.parameters_after);
    EXPECT_NEAR(train_loss, reference.loss, kLossTolerance) << "mean cross-entropy before the step";
    std::printf("[ pytorch  ] threads %d: new weights max |ours - PyTorch| = %.3g (largest change %.3g), "
                "loss %.7f vs %.7f\n",
                threads, d.max, moved.max, train_loss, reference.loss);
  }
}

}  // namespace
}  // namespace lenet5
