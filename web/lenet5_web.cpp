// The browser demo's binding: C functions over the library for the page (web/app.js), its training worker
// (web/train-worker.js) and the node test (tests/web/). A call returns a status (≥ 0 done, −1 failed, with
// the message in lenet5_error()); what does not fit a number is JSON text (lenet5_reading()) or floats in
// the module's memory (lenet5_maps()), valid until the next call that makes them.
//
// One instance holds one classifier: the model the page shows, or while training the model being trained,
// read where it lies, so that reading a picture during training shows the network as it learns.
#include <emscripten/emscripten.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/reading.hpp"
#include "lenet5/train.hpp"

// Module.onTraining(json): the page's worker (lenet5-api.js) sets it for the length of lenet5_train.
EM_JS(void, report_training, (const char* json), { Module.onTraining(UTF8ToString(json)); });

namespace {

std::string last_error;
std::optional<lenet5::Classifier> classifier;
std::string reading_json;
std::vector<float> reading_maps;

std::optional<lenet5::Dataset> train_set, test_set;
lenet5::Model trained;
std::vector<std::uint8_t> model_file;

// Runs `work`, turning a failure into −1 and its message into lenet5_error()'s.
template <class Work>
int guarded(Work&& work) {
  try {
    return work();
  } catch (const std::exception& error) {
    last_error = error.what();
    return -1;
  }
}

const lenet5::Classifier& current() {
  if (!classifier) throw lenet5::Error("no model loaded");
  return *classifier;
}

// The first `count` examples of `data` (all of them for count ≤ 0 or beyond its size): `data` itself, or
// a copy of the part kept in `part` (MNIST's training images are 47 MB).
const lenet5::Dataset& first(const lenet5::Dataset& data, int count, std::optional<lenet5::Dataset>& part) {
  if (count <= 0 || std::size_t(count) >= data.count) return data;
  part = data.head(std::size_t(count));
  return *part;
}

using Clock = std::chrono::steady_clock;
double milliseconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Floats as JSON numbers, precise enough to give back the same float.
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

template <class Values>
std::string array(const Values& values) {
  std::string text = "[";
  for (const auto& value : values) text += (text.size() > 1 ? "," : "") + number(double(value));
  return text + "]";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// The reading of a prepared digit, its maps in reading_maps and everything else in reading_json.
void describe(const lenet5::PreparedDigit& prepared, double prepare_ms) {
  const lenet5::Classifier& network = current();
  const auto start = Clock::now();
  const lenet5::DigitReading reading = lenet5::read_digit(network, prepared);
  const std::vector<lenet5::Tensor> maps = network.trace(prepared.field.pixels, prepared.field.width,
                                                         prepared.field.height);
  const double classify_trace_ms = milliseconds(start, Clock::now());
  reading_maps.clear();
  std::string layers;
  for (const lenet5::Tensor& tensor : maps) {
    layers += (layers.empty() ? "" : ",") + std::string("{\"name\":") + quoted(tensor.name) +
              ",\"shape\":" + array(tensor.shape) + ",\"offset\":" + std::to_string(reading_maps.size()) + "}";
    reading_maps.insert(reading_maps.end(), tensor.values.begin(), tensor.values.end());
  }
  std::string classes;
  for (const std::string& name : lenet5::class_names(network.model()))
    classes += (classes.empty() ? "" : ",") + quoted(name);
  const lenet5::PixelBox& box = prepared.box;
  reading_json = "{\"ink\":true,\"label\":" + std::to_string(reading.label) +
                 ",\"confidence\":" + number(reading.confidence) + ",\"margin\":" + number(reading.margin) +
                 ",\"probabilities\":" + array(reading.probabilities) + ",\"classes\":[" + classes +
                 "],\"inverted\":" + (prepared.inverted ? "true" : "false") + ",\"box\":[" +
                 std::to_string(box.x) + "," + std::to_string(box.y) + "," + std::to_string(box.width) + "," +
                 std::to_string(box.height) + "],\"prepare_ms\":" + number(prepare_ms) +
                 ",\"classify_trace_ms\":" + number(classify_trace_ms) + ",\"maps\":[" + layers + "]}";
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* lenet5_error() { return last_error.c_str(); }

// A model file's bytes (`name` for messages) become the classifier.
EMSCRIPTEN_KEEPALIVE int lenet5_use_model(const char* name, const std::uint8_t* bytes, std::size_t size) {
  return guarded([&] {
    classifier.emplace(lenet5::deserialize_model({bytes, bytes + size}, name));
    return 0;
  });
}

// A picture as `lenet5 predict` reads it: decoded pixels (width × height × channels, 1 grey, 2 grey + alpha,
// 3 RGB, 4 RGBA) prepared as the model says (lenet5/preprocess.hpp), classified and traced. 1: a digit
// read; 0: no ink (lenet5_reading() says only {"ink":false}).
EMSCRIPTEN_KEEPALIVE int lenet5_read_picture(const std::uint8_t* pixels, int width, int height, int channels) {
  return guarded([&] {
    const lenet5::Model& model = current().model();
    const auto start = Clock::now();
    lenet5::Image picture{width, height, channels,
                          {pixels, pixels + std::size_t(width) * std::size_t(height) * std::size_t(channels)}};
    lenet5::PrepareOptions options;
    options.image = model.image_shape;
    const lenet5::PreparedDigit prepared = lenet5::prepare_input(picture, model.preparation, options);
    const double prepare_ms = milliseconds(start, Clock::now());
    if (!prepared.ink_found) {
      reading_json = "{\"ink\":false}";
      reading_maps.clear();
      return 0;
    }
    describe(prepared, prepare_ms);
    return 1;
  });
}

EMSCRIPTEN_KEEPALIVE const char* lenet5_reading() { return reading_json.c_str(); }
EMSCRIPTEN_KEEPALIVE const float* lenet5_maps() { return reading_maps.data(); }

// MNIST's four files from the folder `dir` of the module's file system (plain IDX: this build has no zlib).
// Returns the number of training images.
EMSCRIPTEN_KEEPALIVE int lenet5_load_mnist(const char* dir) {
  return guarded([&] {
    train_set = lenet5::load_mnist(dir, lenet5::Split::train);
    test_set = lenet5::load_mnist(dir, lenet5::Split::test);
    return int(train_set->count);
  });
}

// Trains the modern preset from scratch on the first `images` training images (0: all) for `epochs` in
// batches of `batch` (otherwise as `lenet5 train` does: Adam, its cosine schedule, one thread),
// reporting to Module.onTraining(json) as it goes: {"event":"progress", ...} every 16 batches, {"event":
// "epoch", ...} after each epoch with the accuracy on the test set's first `test_images`. Meanwhile (and
// after) the classifier is the model being trained.
EMSCRIPTEN_KEEPALIVE int lenet5_train(int images, int epochs, int batch, int test_images, std::uint32_t seed) {
  return guarded([&] {
    if (!train_set || !test_set) throw lenet5::Error("no MNIST loaded");
    std::optional<lenet5::Dataset> train_head, test_head;
    const lenet5::Dataset& train_part = first(*train_set, images, train_head);
    const lenet5::Dataset& test_part = first(*test_set, test_images, test_head);
    lenet5::TrainOptions options;
    options.epochs = epochs;
    options.batch = batch;
    options.seed = seed;
    options.threads = 1;
    trained = lenet5::new_model_for(lenet5::modern_preset(), train_part, seed);
    classifier.emplace(lenet5::Classifier::borrowing(trained));
    lenet5::TrainCallbacks callbacks;
    callbacks.on_progress = [](const lenet5::BatchProgress& progress) {
      report_training(("{\"event\":\"progress\",\"epoch\":" + std::to_string(progress.epoch) +
                       ",\"done\":" + std::to_string(progress.images_done) + ",\"total\":" +
                       std::to_string(progress.images_total) + ",\"loss\":" + number(progress.mean_loss) +
                       ",\"seconds\":" + number(progress.seconds) + "}")
                          .c_str());
    };
    callbacks.on_epoch = [&](const lenet5::EpochReport& report) {
      report_training(("{\"event\":\"epoch\",\"epoch\":" + std::to_string(report.epoch) + ",\"images\":" +
                       std::to_string(train_part.count) + ",\"train_loss\":" +
                       number(report.train_loss) + ",\"train_accuracy\":" + number(report.train_accuracy) +
                       ",\"test_accuracy\":" + number(report.held_out_accuracy.value_or(0)) + ",\"seconds\":" +
                       number(report.seconds) + ",\"images_per_s\":" + number(report.images_per_s) + "}")
                          .c_str());
    };
    lenet5::train(trained, train_part, &test_part, options, callbacks);
    return 0;
  });
}

// The classifier's accuracy on the first `count` test images, in parts per million.
EMSCRIPTEN_KEEPALIVE int lenet5_test_accuracy(int count) {
  return guarded([&] {
    if (!test_set) throw lenet5::Error("no MNIST loaded");
    std::optional<lenet5::Dataset> head;
    return int(lenet5::evaluate(current(), first(*test_set, count, head)).accuracy * 1e6 + 0.5);
  });
}

// The classifier's model as a model file: returns its size; the bytes are at lenet5_model_file().
EMSCRIPTEN_KEEPALIVE int lenet5_save_model() {
  return guarded([&] {
    model_file = lenet5::serialize_model(current().model());
    return int(model_file.size());
  });
}
EMSCRIPTEN_KEEPALIVE const std::uint8_t* lenet5_model_file() { return model_file.data(); }

}  // extern "C"
