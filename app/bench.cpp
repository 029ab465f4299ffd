// lenet5 bench: inference speed of a saved model — batch throughput over threads, single-image latency.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "bench",
    "lenet5 bench [--model M | MODEL] [options]",
    "Measures inference on the test split: throughput classifying all of it (evaluate(), each thread taking an\n"
    "equal run of the split), and the latency of classifying one image, already padded to the network's input, on one thread (median of --repeat runs).\n"
    "Training speed is what 'lenet5 train --json' reports; bench/run.sh compares both with PyTorch.",
    {model_option(),
     {"data", "DIR", "folder with MNIST-format IDX files (default: $LENET5_DATA, else data/mnist)"},
     {"threads", "N", "threads for batch inference (default: all cores)"},
     {"repeat", "N", "measurements of each figure; the median is reported (default 5)"},
     {"json", "", "print one JSON object: infer_images_per_s, latency_us, threads"}},
    0, 1};

using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The test images centred on 32×32 canvases, so latency measures the network, not the padding.
std::vector<std::uint8_t> padded_images(const lenet5::Dataset& data, std::size_t count, int side) {
  std::vector<std::uint8_t> out(count * side * side, 0);
  const int top = (side - data.rows) / 2, left = (side - data.cols) / 2;
  for (std::size_t i = 0; i < count; ++i)
    for (int y = 0; y < data.rows; ++y)
      std::copy_n(data.image(i).data() + y * data.cols, data.cols,
                  out.data() + (i * side + top + y) * side + left);
  return out;
}

int run(const Args& args) {
  const int threads = static_cast<int>(args.get_int("threads", 0, 0, 1024));
  const int repeat = static_cast<int>(args.get_int("repeat", 5, 1, 1000));
  const auto& given = args.positionals();  // a model named first, as before --model
  const lenet5::Model model = lenet5::load_model(model_path(args, given.empty() ? std::nullopt : std::optional(given[0])));
  const lenet5::Dataset data = load_data(data_dir(args), lenet5::Split::test);

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
      checksum += classifier.classify({pixels.data() + i * side * side, std::size_t(side) * side}, side, side).label;
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
