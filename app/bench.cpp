// lenet5 bench: inference speed of a saved model — batch throughput over threads, single-image latency,
// and with --image the whole way from a person's picture to its reading.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/reading.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "bench",
    "lenet5 bench [--model M | MODEL] [options]",
    "Measures inference on the test split: throughput classifying all of it (evaluate(), each thread taking an\n"
    "equal run of the split), and the latency of classifying one image, already padded to the network's input, on one thread (median of --repeat runs).\n"
    "Training speed is what 'lenet5 train --json' reports; bench/run.sh compares both with PyTorch.\n"
    "With --image FILE it measures a person's picture instead, as 'lenet5 predict FILE' reads it, each step\n"
    "on one thread and timed apart: reading and decoding the file (reported separately: it depends on the\n"
    "format), preparing the decoded picture as the model records (lenet5/preprocess.hpp), classifying it, and\n"
    "preparing and classifying together; the median and 90th percentile of --repeat runs of each.\n"
    "bench/photo.py writes a 1000x1000 JPEG photo of a digit to try it on.",
    {model_option(),
     data_option(),
     format_option(),
     transpose_option(),
     classes_option(),
     {"threads", "N", "threads for batch inference (default: all cores)"},
     {"image", "FILE", "measure reading this picture instead of the test split (needs no --data)"},
     {"repeat", "N", "measurements of each figure; the median is reported (default 5; with --image,\n"
                     "                          runs of each step, default 100)"},
     {"json", "", "print one JSON object: infer_images_per_s, latency_us, threads; with --image: image,\n"
                  "                          width, height, runs, prediction, and per image decode_ms,\n"
                  "                          prepare_ms, classify_ms, prepare_classify_ms, each with its\n"
                  "                          _p90_ms"}},
    0, 1};

using Clock = std::chrono::steady_clock;

// The value `fraction` of the way up the sorted values (the nearest rank at or above it).
double quantile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, std::size_t(fraction * double(values.size())))];
}

double median(std::vector<double> values) { return quantile(std::move(values), 0.5); }

// Milliseconds each of `runs` calls of `step` took, after one call to warm caches.
template <class Step>
std::vector<double> milliseconds_each(int runs, Step step) {
  step();
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    step();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return times;
}

// bench --image: a person's picture through predict's steps, each timed on its own, on this thread.
int run_image(const Args& args, const lenet5::Model& model, const std::string& file) {
  if (args.get("data") || args.get("threads")) throw UsageError("--image runs on one thread and reads no --data");
  const int runs = static_cast<int>(args.get_int("repeat", 100, 1, 1000000));
  const lenet5::Classifier classifier(model);
  lenet5::Image picture;
  const auto decode = milliseconds_each(runs, [&] { picture = lenet5::read_image_file(file); });
  lenet5::PreparedDigit prepared;
  const auto prepare = [&] { return lenet5::prepare_input(picture, model.preparation); };
  const auto preparing = milliseconds_each(runs, [&] { prepared = prepare(); });
  if (!prepared.ink_found) throw lenet5::Error(file + ": no digit found, so nothing to classify");
  lenet5::DigitReading reading;
  const auto classify = milliseconds_each(runs, [&] { reading = lenet5::read_digit(classifier, prepared); });
  const auto both = milliseconds_each(runs, [&] { reading = lenet5::read_digit(classifier, prepare()); });

  struct Figure {
    const char* key;    // in JSON: KEY_ms, KEY_p90_ms
    const char* label;  // in text
    const std::vector<double>& times;
  };
  const Figure figures[] = {{"decode", "read + decode", decode},
                            {"prepare", "prepare", preparing},
                            {"classify", "classify", classify},
                            {"prepare_classify", "prepare + classify", both}};
  if (args.flag("json")) {
    std::string out = "{\"image\":" + json_string(file) + ",\"width\":" + std::to_string(picture.width) +
                      ",\"height\":" + std::to_string(picture.height) + ",\"runs\":" + std::to_string(runs) +
                      ",\"prediction\":" + std::to_string(reading.label);
    for (const Figure& figure : figures)
      out += std::string(",\"") + figure.key + "_ms\":" + json_number(median(figure.times)) + ",\"" + figure.key +
             "_p90_ms\":" + json_number(quantile(figure.times, 0.9));
    std::puts((out + "}").c_str());
    return 0;
  }
  std::printf("%s: %dx%d, %d channel(s), read as %d (%.1f%%)\n", file.c_str(), picture.width, picture.height,
              picture.channels, reading.label, 100.0 * reading.confidence);
  std::printf("per image, 1 thread, median (90th percentile) of %d runs:\n", runs);
  for (const Figure& figure : figures)
    std::printf("  %-19s %9.3f ms (%.3f ms)\n", figure.label, median(figure.times), quantile(figure.times, 0.9));
  return 0;
}

// The test images centred on 32×32 canvases, so latency measures the network, not the padding.
std::vector<std::uint8_t> padded_images(const lenet5::Dataset& data, std::size_t count, int side) {
  const std::size_t plane = std::size_t(side) * side;
  std::vector<std::uint8_t> out(count * data.channels * plane, 0);
  const int top = (side - data.rows) / 2, left = (side - data.cols) / 2;
  for (std::size_t i = 0; i < count; ++i)
    for (int c = 0; c < data.channels; ++c)
      for (int y = 0; y < data.rows; ++y)
        std::copy_n(data.image(i).data() + (std::size_t(c) * data.rows + y) * data.cols, data.cols,
                    out.data() + (i * data.channels + c) * plane + std::size_t(top + y) * side + left);
  return out;
}

int run(const Args& args) {
  const auto& given = args.positionals();  // a model named first, as before --model
  const lenet5::Model model = lenet5::load_model(model_path(args, given.empty() ? std::nullopt : std::optional(given[0])));
  if (const auto image = args.get("image")) return run_image(args, model, *image);
  const int threads = static_cast<int>(args.get_int("threads", 0, 0, 1024));
  const int repeat = static_cast<int>(args.get_int("repeat", 5, 1, 1000));
  const std::vector<std::string> names = lenet5::class_names(model);
  const lenet5::Dataset data = load_data(args, lenet5::Split::test, &names);

  std::vector<double> throughput;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    lenet5::evaluate(model, data, threads);
    throughput.push_back(double(data.count) / std::chrono::duration<double>(Clock::now() - start).count());
  }

  const lenet5::Classifier classifier(model);
  const int side = model.spec.input.width;
  const std::size_t images = std::min<std::size_t>(data.count, 2000);
  const auto pixels = padded_images(data, images, side);
  const auto classify_all = [&] {
    int checksum = 0;
    for (std::size_t i = 0; i < images; ++i)
      checksum += classifier.classify({pixels.data() + i * data.channels * side * side,
                                       std::size_t(data.channels) * side * side}, side, side).label;
    return checksum;
  };
  classify_all();  // warm caches
  std::vector<double> latency;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    classify_all();
    latency.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() / double(images));
  }
  if (args.flag("json")) {
    std::printf("{\"infer_images_per_s\":%s,\"threads\":%d,\"latency_us\":%s}\n",
                json_number(median(throughput)).c_str(), threads, json_number(median(latency)).c_str());
  } else {
    std::printf("batch inference: %.0f images/s (%s threads)\n", median(throughput),
                threads ? std::to_string(threads).c_str() : "all");
    std::printf("single image:    %.2f us per image (1 thread)\n", median(latency));
  }
  return 0;
}

}  // namespace

const Command kBench{kSpec, run};

}  // namespace cli
