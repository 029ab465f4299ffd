// lenet5 predict: classify a person's image files with a saved model.
#include <cstdio>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "predict",
    "lenet5 predict MODEL IMAGE... [options]",
    "Classifies images (PNG, JPEG, BMP, PGM/PPM or WebP; colour is turned to grey) of up to 32x32 pixels,\n"
    "one digit each, and prints the class and the probability of every class. MNIST digits are light ink on\n"
    "black; images with a light background (dark ink on paper) are inverted first, judged by their border\n"
    "pixels.",
    {{"invert", "WHEN", "auto (default), yes or no: whether to invert the grey levels"},
     {"json", "", "print one JSON object per image: file, class, probabilities"}},
    2, 1u << 20};

// MNIST convention: 0 = background, 255 = ink. A light border means dark ink on a light background.
bool has_light_background(const lenet5::GreyImage& image) {
  long sum = 0, count = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      if (y == 0 || x == 0 || y == image.height - 1 || x == image.width - 1) {
        sum += image.pixels[std::size_t(y) * image.width + x];
        ++count;
      }
  return count > 0 && sum > 127 * count;
}

int run(const Args& args) {
  const std::string invert = args.get("invert", "auto");
  if (invert != "auto" && invert != "yes" && invert != "no") throw UsageError("--invert must be auto, yes or no");
  const lenet5::Classifier classifier(lenet5::load_model(args.positionals()[0]));
  for (std::size_t i = 1; i < args.positionals().size(); ++i) {
    const std::string& path = args.positionals()[i];
    lenet5::GreyImage image = lenet5::read_image(path);
    if (invert == "yes" || (invert == "auto" && has_light_background(image)))
      for (auto& pixel : image.pixels) pixel = static_cast<std::uint8_t>(255 - pixel);
    lenet5::Prediction prediction;
    try {
      prediction = classifier.classify(image.pixels, image.width, image.height);
    } catch (const lenet5::Error& error) {
      throw lenet5::Error(path + ": " + error.what());
    }
    if (args.flag("json")) {
      const std::string out = "{\"file\":" + json_string(path) + ",\"class\":" + std::to_string(prediction.label) +
                              ",\"probabilities\":" + json_array(prediction.probabilities, json_number) + "}";
      std::puts(out.c_str());
      continue;
    }
    std::printf("%s: %d (%.1f%%)  ", path.c_str(), prediction.label,
                100.0 * prediction.probabilities[prediction.label]);
    for (std::size_t c = 0; c < prediction.probabilities.size(); ++c)
      std::printf(" %zu:%.3f", c, prediction.probabilities[c]);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

const Command kPredict{kSpec, run};

}  // namespace cli
