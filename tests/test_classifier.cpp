// Classifier as the one inference path: layers() gives the parameters in the layout lenet5/layer_info.hpp
// documents (checked by index against the flat buffer, and by running the network from it alone), trace()
// gives every layer's maps, and evaluate(), classify() and training's held-out check agree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "test_util.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/train.hpp"
#include "nn/rbf_prototypes.hpp"

namespace {

using lenet5::Classifier;
using lenet5::LayerInfo;
using lenet5::LayerKind;
using lenet5::Model;
using lenet5::Shape;
using lenet5::Tensor;

// Parameter i holds the value i (exact in a float up to 2^24), so a value read from layers() names the
// place in the flat buffer it came from.
Model indexed_model(const lenet5::NetworkSpec& spec) {
  Model model = lenet5::initialize_model(spec, 1);
  std::iota(model.parameters.begin(), model.parameters.end(), 0.0f);
  return model;
}

// A random model whose biases and coefficients are not zero, so that every parameter matters.
Model random_model(const lenet5::NetworkSpec& spec) {
  Model model = lenet5::initialize_model(spec, 7);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> small(-0.2f, 0.2f);
  for (float& value : model.parameters)
    if (value == 0.0f || value == 1.0f) value += small(rng);
  return model;
}

const Tensor& tensor(const LayerInfo& layer, const std::string& name) {
  for (const Tensor& candidate : layer.tensors)
    if (candidate.name == name) return candidate;
  throw std::runtime_error(layer.name + " has no tensor " + name);
}

// weight[o][i][y][x] of a conv's [out][in][k][k] weight.
float conv_weight(const LayerInfo& layer, int o, int i, int y, int x) {
  const Tensor& weight = tensor(layer, "weight");
  const int in = weight.shape[1], k = weight.shape[2];
  return weight.values[((std::size_t(o) * in + i) * k + y) * k + x];
}

std::vector<std::uint8_t> random_images(std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::uint8_t> pixels(count * 28 * 28);
  for (auto& pixel : pixels) pixel = static_cast<std::uint8_t>(byte(rng));
  return pixels;
}

lenet5::Dataset random_dataset(std::size_t count, unsigned seed) {
  lenet5::Dataset data;
  data.count = count;
  data.rows = data.cols = 28;
  data.images = random_images(count, seed);
  std::mt19937 rng(seed + 1);
  for (std::size_t i = 0; i < count; ++i) data.labels.push_back(static_cast<std::uint8_t>(rng() % 10));
  return data;
}

// ---- layers() -----------------------------------------------------------------------------------------

// The trainable values in layout order, skipping the weight blocks a connection table leaves out: exactly
// the model's flat parameters.
std::vector<float> trainable_values(const std::vector<LayerInfo>& layers) {
  std::vector<float> values;
  for (const LayerInfo& layer : layers)
    for (const Tensor& t : layer.tensors) {
      if (!t.trainable) continue;
      if (layer.kind == LayerKind::conv && t.name == "weight") {
        const Tensor& connections = tensor(layer, "connections");
        const std::size_t block = std::size_t(t.shape[2]) * t.shape[3];
        for (std::size_t pair = 0; pair < connections.values.size(); ++pair)
          if (connections.values[pair] == 1.0f)
            values.insert(values.end(), t.values.begin() + pair * block, t.values.begin() + (pair + 1) * block);
      } else {
        values.insert(values.end(), t.values.begin(), t.values.end());
      }
    }
  return values;
}

void expect_shapes_consistent(const LayerInfo& layer) {
  for (const Tensor& t : layer.tensors) {
    std::size_t size = 1;
    for (int extent : t.shape) size *= std::size_t(extent);
    EXPECT_EQ(t.values.size(), size) << layer.name << " " << t.name;
  }
}

TEST(ClassifierLayers, ModernPresetInTheDocumentedLayout) {
  const Model model = indexed_model(lenet5::modern_preset());
  const std::vector<LayerInfo> layers = Classifier(model).layers();
  ASSERT_EQ(layers.size(), 7u);
  const std::vector<std::string> names{"C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT"};
  const std::vector<LayerKind> kinds{LayerKind::conv, LayerKind::subsample, LayerKind::conv, LayerKind::subsample,
                                     LayerKind::conv, LayerKind::full, LayerKind::full};
  const std::vector<Shape> outputs{{6, 28, 28}, {6, 14, 14}, {16, 10, 10}, {16, 5, 5}, {120, 1, 1}, {84, 1, 1}, {10, 1, 1}};
  Shape input{1, 32, 32};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(layers[i].name, names[i]);
    EXPECT_EQ(layers[i].kind, kinds[i]) << names[i];
    EXPECT_EQ(layers[i].input, input) << names[i];
    EXPECT_EQ(layers[i].output, outputs[i]) << names[i];
    expect_shapes_consistent(layers[i]);
    input = outputs[i];
  }
  EXPECT_EQ(layers[0].activation, lenet5::Activation::relu);
  EXPECT_EQ(layers[1].pooling, lenet5::Pooling::average);
  EXPECT_TRUE(layers[1].tensors.empty());
  EXPECT_FALSE(layers[6].activation.has_value());

  // By hand: C1 is parameters [0, 156): 6×1×5×5 weights, then 6 biases.
  EXPECT_EQ(tensor(layers[0], "weight").shape, (std::vector<int>{6, 1, 5, 5}));
  EXPECT_EQ(conv_weight(layers[0], 2, 0, 3, 4), 2 * 25 + 3 * 5 + 4);
  EXPECT_EQ(tensor(layers[0], "bias").values[5], 150 + 5);
  // C3, [156, 2572): fully connected, so every block is there and the mask is all ones.
  EXPECT_EQ(tensor(layers[2], "weight").shape, (std::vector<int>{16, 6, 5, 5}));
  EXPECT_EQ(conv_weight(layers[2], 1, 4, 0, 2), 156 + (1 * 6 + 4) * 25 + 2);
  EXPECT_EQ(tensor(layers[2], "connections").values, std::vector<float>(96, 1.0f));
  EXPECT_EQ(tensor(layers[2], "bias").values[0], 156 + 2400);
  // C5, a conv over its whole input, [2572, 50692): weight [120][16][5][5].
  EXPECT_EQ(tensor(layers[4], "weight").shape, (std::vector<int>{120, 16, 5, 5}));
  EXPECT_EQ(conv_weight(layers[4], 119, 15, 4, 4), 2572 + 48000 - 1);
  EXPECT_EQ(tensor(layers[4], "bias").values[119], 50692 - 1);
  // F6, [50692, 60856): weight [84][120].
  EXPECT_EQ(tensor(layers[5], "weight").shape, (std::vector<int>{84, 120}));
  EXPECT_EQ(tensor(layers[5], "weight").values[3 * 120 + 7], 50692 + 3 * 120 + 7);
  EXPECT_EQ(tensor(layers[6], "bias").values[9], 61706 - 1);

  const std::vector<float> trainable = trainable_values(layers);
  EXPECT_EQ(trainable.size(), 61706u);
  EXPECT_EQ(trainable, model.parameters);
}

TEST(ClassifierLayers, ClassicPresetExpandsTableOneAndIncludesThePrototypes) {
  const Model model = indexed_model(lenet5::classic_preset());
  const std::vector<LayerInfo> layers = Classifier(model).layers();
  ASSERT_EQ(layers.size(), 7u);
  for (const LayerInfo& layer : layers) expect_shapes_consistent(layer);
  EXPECT_EQ(layers[0].activation, lenet5::Activation::scaled_tanh);

  // S2's trainable subsampling, parameters [156, 168): 6 coefficients, then 6 biases.
  EXPECT_EQ(layers[1].kind, LayerKind::subsample);
  EXPECT_EQ(tensor(layers[1], "coefficient").values, (std::vector<float>{156, 157, 158, 159, 160, 161}));
  EXPECT_EQ(tensor(layers[1], "bias").values, (std::vector<float>{162, 163, 164, 165, 166, 167}));

  // C3 from 168: Table I feeds map 0 from S2 maps 0, 1 and 2 only. Its blocks are stored back to back, so
  // input 1's block starts at 168 + 25; inputs 3–5 are zero in the dense weight and 0 in the mask.
  const LayerInfo& c3 = layers[2];
  EXPECT_EQ(tensor(c3, "weight").shape, (std::vector<int>{16, 6, 5, 5}));
  EXPECT_EQ(tensor(c3, "connections").shape, (std::vector<int>{16, 6}));
  const std::vector<float> map0(tensor(c3, "connections").values.begin(), tensor(c3, "connections").values.begin() + 6);
  EXPECT_EQ(map0, (std::vector<float>{1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(conv_weight(c3, 0, 1, 2, 3), 168 + 25 + 2 * 5 + 3);
  for (int input = 3; input < 6; ++input)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 5; ++x) EXPECT_EQ(conv_weight(c3, 0, input, y, x), 0.0f) << input;
  // Map 15 takes all six inputs (the table's last column); 60 connections, 1500 weights before the biases.
  const std::vector<float>& mask = tensor(c3, "connections").values;
  EXPECT_EQ(std::vector<float>(mask.begin() + 90, mask.end()), std::vector<float>(6, 1.0f));
  EXPECT_EQ(std::count(mask.begin(), mask.end(), 1.0f), 60);
  EXPECT_EQ(tensor(c3, "bias").values[0], 168 + 1500);
  EXPECT_FALSE(tensor(c3, "connections").trainable);

  const LayerInfo& output = layers[6];
  EXPECT_EQ(output.kind, LayerKind::rbf);
  ASSERT_EQ(output.tensors.size(), 1u);
  EXPECT_EQ(output.tensors[0].name, "prototypes");
  EXPECT_EQ(output.tensors[0].shape, (std::vector<int>{10, 84}));
  EXPECT_FALSE(output.tensors[0].trainable);
  EXPECT_EQ(output.tensors[0].values, lenet5::nn::rbf_prototypes());

  const std::vector<float> trainable = trainable_values(layers);
  EXPECT_EQ(trainable.size(), 60000u);
  EXPECT_EQ(trainable, model.parameters);
}

// ---- trace(): checked against the network run from layers() alone -------------------------------------

double activate(const std::optional<lenet5::Activation>& activation, double a) {
  if (!activation) return a;
  switch (*activation) {
    case lenet5::Activation::relu: return std::max(a, 0.0);
    case lenet5::Activation::scaled_tanh: return 1.7159 * std::tanh(2.0 / 3.0 * a);
    case lenet5::Activation::logistic: return 1.0 / (1.0 + std::exp(-a));
  }
  return a;
}

// One layer applied as lenet5/layer_info.hpp documents it, in double precision.
std::vector<double> apply(const LayerInfo& layer, const std::vector<float>& in) {
  const Shape& is = layer.input;
  const Shape& os = layer.output;
  std::vector<double> out(std::size_t(os.size()));
  const auto at = [&](int c, int y, int x) { return double(in[(std::size_t(c) * is.height + y) * is.width + x]); };
  for (int o = 0; o < os.channels; ++o)
    for (int y = 0; y < os.height; ++y)
      for (int x = 0; x < os.width; ++x) {
        double a = 0;
        switch (layer.kind) {
          case LayerKind::conv: {
            const int k = tensor(layer, "weight").shape[2];
            a = tensor(layer, "bias").values[o];
            for (int i = 0; i < is.channels; ++i)
              for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx) a += double(conv_weight(layer, o, i, ky, kx)) * at(i, y + ky, x + kx);
            break;
          }
          case LayerKind::subsample: {
            const double window[4] = {at(o, 2 * y, 2 * x), at(o, 2 * y, 2 * x + 1), at(o, 2 * y + 1, 2 * x),
                                      at(o, 2 * y + 1, 2 * x + 1)};
            if (layer.pooling == lenet5::Pooling::max) {
              a = *std::max_element(window, window + 4);
            } else {
              a = (window[0] + window[1] + window[2] + window[3]) / 4;
              if (!layer.tensors.empty())
                a = tensor(layer, "coefficient").values[o] * a + tensor(layer, "bias").values[o];
            }
            break;
          }
          case LayerKind::full: {
            const Tensor& weight = tensor(layer, "weight");
            a = tensor(layer, "bias").values[o];
            for (std::size_t j = 0; j < in.size(); ++j) a += double(weight.values[o * in.size() + j]) * in[j];
            break;
          }
          case LayerKind::rbf:
            for (std::size_t j = 0; j < in.size(); ++j) {
              const double difference = in[j] - double(tensor(layer, "prototypes").values[o * in.size() + j]);
              a += difference * difference;
            }
            break;
        }
        out[(std::size_t(o) * os.height + y) * os.width + x] = activate(layer.activation, a);
      }
  return out;
}

// A colour network: each channel's plane centred and scaled with its own pair, C1 reading all three, the
// output sized to the classes; images of the wrong channel count are refused.
TEST(Classifier, ColourInputEncodesEachChannelWithItsOwnScaling) {
  lenet5::NetworkSpec spec = lenet5::fit_to_data(lenet5::modern_preset(), 3, 5);
  spec.scaling = {{-1.0f, 1.0f}, {0.0f, 2.0f}, {-3.0f, -1.0f}};
  const Classifier classifier(random_model(spec));
  EXPECT_EQ(classifier.classes(), 5);
  const std::vector<std::uint8_t> image = random_images(3, 12);  // three 28×28 planes
  const std::vector<Tensor> maps = classifier.trace(image, 28, 28);
  const Tensor& input = maps[0];
  ASSERT_EQ(input.shape, (std::vector<int>{3, 32, 32}));
  for (int c = 0; c < 3; ++c) {
    const lenet5::InputScaling& scaling = spec.scaling[c];
    EXPECT_FLOAT_EQ(input.values[c * 1024], scaling.background) << c;
    const float byte = float(image[c * 784 + 5 * 28 + 9]);
    EXPECT_FLOAT_EQ(input.values[c * 1024 + (2 + 5) * 32 + 2 + 9],
                    scaling.background + (scaling.foreground - scaling.background) * byte / 255.0f) << c;
  }
  const std::vector<LayerInfo> layers = classifier.layers();
  EXPECT_EQ(layers[0].tensors[0].shape, (std::vector<int>{6, 3, 5, 5}));
  const std::vector<double> c1 = apply(layers[0], input.values);
  for (std::size_t j = 0; j < c1.size(); ++j) ASSERT_NEAR(maps[1].values[j], c1[j], 1e-4 * std::max(1.0, std::abs(c1[j])));
  EXPECT_EQ(maps.back().shape, (std::vector<int>{5}));

  EXPECT_THROW(classifier.classify({image.data(), 784}, 28, 28), lenet5::Error);
  lenet5::Dataset grey;
  grey.count = 1;
  grey.rows = grey.cols = 28;
  grey.images.assign(image.begin(), image.begin() + 784);
  grey.labels = {0};
  EXPECT_THAT(lenet5::testing_util::error_from([&] { classifier.predict(grey); }),
              testing::HasSubstr("the images are grey but the network reads colour (RGB) images"));
}

void expect_trace_matches_layers(const lenet5::NetworkSpec& spec) {
  const Classifier classifier(random_model(spec));
  const std::vector<LayerInfo> layers = classifier.layers();
  const std::vector<std::uint8_t> image = random_images(1, 11);
  const std::vector<Tensor> maps = classifier.trace(image, 28, 28);
  ASSERT_EQ(maps.size(), layers.size() + 1);

  // The input: the 28×28 image centred on 32×32, bytes scaled to [background, foreground].
  const Tensor& input = maps[0];
  EXPECT_EQ(input.name, "input");
  EXPECT_EQ(input.shape, (std::vector<int>{1, 32, 32}));
  const lenet5::InputScaling scaling = classifier.model().spec.scaling.front();
  EXPECT_FLOAT_EQ(input.values[0], scaling.background);
  EXPECT_FLOAT_EQ(input.values[(2 + 5) * 32 + 2 + 9],
                  scaling.background + (scaling.foreground - scaling.background) * float(image[5 * 28 + 9]) / 255.0f);

  const std::vector<std::vector<int>> shapes{{6, 28, 28}, {6, 14, 14}, {16, 10, 10}, {16, 5, 5}, {120}, {84}, {10}};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Tensor& maps_out = maps[i + 1];
    EXPECT_EQ(maps_out.name, layers[i].name);
    EXPECT_EQ(maps_out.shape, shapes[i]) << layers[i].name;
    // Layer by layer from the previous layer's traced maps, so that each comparison checks one layer.
    const std::vector<double> expected = apply(layers[i], maps[i].values);
    ASSERT_EQ(maps_out.values.size(), expected.size()) << layers[i].name;
    for (std::size_t j = 0; j < expected.size(); ++j)
      ASSERT_NEAR(maps_out.values[j], expected[j], 1e-4 * std::max(1.0, std::abs(expected[j])))
          << layers[i].name << " value " << j;
  }

  // The last maps are score_batch's outputs, bit for bit.
  std::vector<float> scores(10);
  classifier.score_batch(image, 28, 28, 1, scores);
  EXPECT_EQ(maps.back().values, scores);
}

TEST(ClassifierTrace, ModernLayersMatchTheNetworkRunFromLayersAlone) {
  expect_trace_matches_layers(lenet5::modern_preset());
}

TEST(ClassifierTrace, ClassicLayersMatchTheNetworkRunFromLayersAlone) {
  expect_trace_matches_layers(lenet5::classic_preset());
}

TEST(ClassifierTrace, ChecksTheImageSize) {
  const Classifier classifier(lenet5::initialize_model(lenet5::modern_preset(), 1));
  const std::vector<std::uint8_t> too_big(33 * 33);
  EXPECT_THROW(classifier.trace(too_big, 33, 33), lenet5::Error);
  const std::vector<std::uint8_t> short_buffer(27 * 28);
  EXPECT_THROW(classifier.trace(short_buffer, 28, 28), lenet5::Error);
}

// ---- one inference path -------------------------------------------------------------------------------

TEST(ClassifierPredict, EvaluateAgreesWithClassifyOnEveryImageForAnyThreadCount) {
  for (const auto& spec : {lenet5::modern_preset(), lenet5::classic_preset()}) {
    const Model model = random_model(spec);
    const Classifier classifier(model);
    const bool penalties = lenet5::outputs_are_penalties(spec);
    const lenet5::Dataset data = random_dataset(101, 5);  // not a whole number of chunks
    const lenet5::Evaluation evaluation = lenet5::evaluate(model, data, 2);
    ASSERT_EQ(evaluation.predictions.size(), data.count);
    for (std::size_t i = 0; i < data.count; ++i) {
      const lenet5::Prediction prediction = classifier.classify(data.image(i), 28, 28);
      EXPECT_EQ(evaluation.predictions[i], prediction.label) << spec.preset << " " << i;
      EXPECT_NEAR(evaluation.confidences[i], prediction.probabilities[prediction.label], 1e-4f) << spec.preset << " " << i;
      std::vector<float> scores(10);
      classifier.score_batch(data.image(i), 28, 28, 1, scores);
      std::sort(scores.begin(), scores.end());
      const float margin = penalties ? scores[1] - scores[0] : scores[9] - scores[8];
      EXPECT_NEAR(evaluation.margins[i], margin, 1e-4f * std::max(1.0f, margin)) << spec.preset << " " << i;
    }
    for (int threads : {1, 3, 8}) {
      const lenet5::DatasetPredictions predictions = classifier.predict(data, threads);
      EXPECT_EQ(predictions.labels, evaluation.predictions) << threads << " threads";
      EXPECT_EQ(predictions.margins, evaluation.margins) << threads << " threads";
      EXPECT_EQ(predictions.confidences, evaluation.confidences) << threads << " threads";
    }
  }
}

TEST(ClassifierPredict, TrainingReportsTheHeldOutAccuracyEvaluateGives) {
  // Random labels keep the accuracy away from 0 and 1, where a wrong count could still agree.
  const lenet5::Dataset train_data = random_dataset(256, 21);
  const lenet5::Dataset held_out = random_dataset(150, 22);
  Model model = lenet5::initialize_model(lenet5::modern_preset(), 3);
  lenet5::TrainOptions options;
  options.epochs = 1;
  options.threads = 2;
  std::optional<double> reported;
  lenet5::TrainCallbacks callbacks;
  callbacks.on_epoch = [&](const lenet5::EpochReport& report) { reported = report.held_out_accuracy; };
  lenet5::train(model, train_data, &held_out, options, callbacks);
  ASSERT_TRUE(reported.has_value());
  const double evaluated = lenet5::evaluate(model, held_out, 1).accuracy;
  EXPECT_GT(evaluated, 0.0);
  EXPECT_LT(evaluated, 1.0);
  EXPECT_EQ(*reported, evaluated);
}

TEST(ClassifierPredict, BorrowingReadsTheParametersAsTheyAreNow) {
  Model model = random_model(lenet5::modern_preset());
  const Classifier borrowed = Classifier::borrowing(model);
  const std::vector<std::uint8_t> image = random_images(1, 4);
  std::vector<float> before(10), after(10);
  borrowed.score_batch(image, 28, 28, 1, before);
  model.parameters.back() += 1.0f;  // OUTPUT's last bias
  borrowed.score_batch(image, 28, 28, 1, after);
  EXPECT_FLOAT_EQ(after[9], before[9] + 1.0f);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(&borrowed.model(), &model);
}

}  // namespace
