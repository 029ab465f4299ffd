// lenet5 predict: read the digit, or the number, in people's pictures.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/model.hpp"
#include "lenet5/reading.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "predict",
    "lenet5 predict [--model M] IMAGE... | FOLDER | - [options]",
    "Reads the handwritten digit (or with --number, the number) in each picture: a photo, a scan or a\n"
    "drawing, PNG, JPEG, BMP, PGM/PPM or WebP, any size. Each is prepared as MNIST's digits were: grey,\n"
    "ink told from the paper (dark on light or light on dark, uneven light, tinted paper, noise), cropped,\n"
    "scaled into a 20x20 box and centred by its centre of mass in 28x28. A model trained with 'train\n"
    "--input plain' (pictures that are not digits; 'lenet5 info --model M' shows which) reads the whole\n"
    "picture instead: grey (or colour, for a colour model), scaled to fit the size of the images the model\n"
    "was trained on (28x28 for MNIST's) keeping its shape, centred. A FOLDER reads its image files\n"
    "(by extension, in name order); '-' reads one image from standard input. A model file given first is\n"
    "taken as the model, as --model.\n"
    "Each answer carries its confidence (the top probability; for the classic preset the softmax of the\n"
    "negated RBF penalties) and margin (top minus second). A page without ink is 'no digit found'. A file\n"
    "that cannot be read gets its own error, the others are still read, and the exit code is then 1.",
    {model_option(),
     {"number", "", "read a whole number: the digits left to right, touching ones cut apart"},
     {"min-confidence", "P", "reject (status 'rejected') instead of guessing below confidence P (0-1; with\n"
                             "                          --number, any digit below P rejects the number)"},
     {"invert", "WHEN", "auto (default): the paper is the picture's majority; yes: dark ink on light;\n"
                        "                          no: light ink on dark (a plain model: yes inverts the\n"
                        "                          grey levels, auto and no keep them)"},
     {"json", "", "one object per picture: file, status (ok, rejected, no_digit, error), prediction,\n"
                  "                          confidence, margin, probabilities, error; with --number, digits"},
     {"show", "", "draw each prepared 28x28 digit in the terminal"},
     {"save-input", "FILE", "write the prepared digit(s) as a PNG (FILE-2.png, ... for later pictures)"}},
    0, 1u << 20};

const char* const kImageExtensions[] = {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".pgm", ".ppm", ".pnm",
                                        ".webp", ".gif", ".tif", ".tiff", ".heic", ".heif", ".avif"};

bool has_image_extension(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(std::begin(kImageExtensions), std::end(kImageExtensions), extension) != std::end(kImageExtensions);
}

// The pictures to read: files as given, a folder's image files in name order, "-" for standard input.
std::vector<std::string> pictures_of(const std::vector<std::string>& arguments) {
  std::vector<std::string> pictures;
  for (const std::string& argument : arguments) {
    std::error_code error;
    if (argument != "-" && std::filesystem::is_directory(argument, error)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(argument, error))
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.' &&
            has_image_extension(entry.path()))
          found.push_back(entry.path().string());
      if (error) throw lenet5::Error(argument + ": cannot list the folder: " + error.message());
      std::sort(found.begin(), found.end());
      pictures.insert(pictures.end(), found.begin(), found.end());
    } else {
      pictures.push_back(argument);
    }
  }
  return pictures;
}

lenet5::Image read_picture(const std::string& source) {
  if (source != "-") return lenet5::read_image_file(source);
  constexpr std::size_t kMaxBytes = std::size_t{256} << 20;
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> chunk(1 << 16);
  std::size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), stdin)) > 0) {
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + std::ptrdiff_t(got));
    if (bytes.size() > kMaxBytes) throw lenet5::Error("standard input: over 256 MiB, not a picture of a digit");
  }
  return lenet5::decode_image(bytes, "standard input");
}

// The prepared digits side by side, as MNIST draws them (ink light on black); a colour field by the mean of
// its planes.
lenet5::GreyImage side_by_side(const std::vector<lenet5::DigitReading>& digits) {
  const int width = digits.empty() ? lenet5::kDigitField : digits.front().prepared.field.width;
  const int height = digits.empty() ? lenet5::kDigitField : digits.front().prepared.field.height;
  lenet5::GreyImage strip{int(std::max<std::size_t>(digits.size(), 1)) * width, height, {}};
  strip.pixels.assign(std::size_t(strip.width) * height, 0);
  for (std::size_t d = 0; d < digits.size(); ++d) {
    const lenet5::PreparedDigit& prepared = digits[d].prepared;
    const std::size_t plane = std::size_t(width) * height;
    for (std::size_t i = 0; i < plane; ++i) {
      int sum = 0;
      for (int c = 0; c < prepared.channels; ++c) sum += prepared.field.pixels[c * plane + i];
      strip.pixels[(i / width) * strip.width + d * width + i % width] = static_cast<std::uint8_t>(sum / prepared.channels);
    }
  }
  return strip;
}

// Two pixel rows per text line with Unicode half blocks: ink above, below, both or neither.
void show(const lenet5::GreyImage& image) {
  constexpr int kInk = 96;
  for (int y = 0; y < image.height; y += 2) {
    std::string line = "  ";
    for (int x = 0; x < image.width; ++x) {
      const bool top = image.pixels[std::size_t(y) * image.width + x] >= kInk;
      const bool bottom = y + 1 < image.height && image.pixels[std::size_t(y + 1) * image.width + x] >= kInk;
      line += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    std::puts(line.c_str());
  }
}

// FILE for the first picture, FILE-2.png (before its extension) for the second, and so on.
std::string numbered(const std::string& file, std::size_t index) {
  if (index == 0) return file;
  const std::filesystem::path path(file);
  return (path.parent_path() / (path.stem().string() + "-" + std::to_string(index + 1) + path.extension().string()))
      .string();
}

struct Answer {
  std::string status;                     // ok, rejected, no_digit or error
  std::vector<lenet5::DigitReading> digits;
  std::string error;
};

std::string digit_text(const std::vector<lenet5::DigitReading>& digits) {
  std::string text;
  for (const auto& digit : digits) text += std::to_string(digit.label);
  return text;
}

std::string json_of(const std::string& file, const Answer& answer, bool number) {
  const bool read = !answer.digits.empty();
  float confidence = 1, margin = 1;
  for (const auto& digit : answer.digits) {
    confidence = number ? confidence * digit.confidence : digit.confidence;
    margin = std::min(margin, digit.margin);
  }
  std::string out = "{\"file\":" + json_string(file) + ",\"status\":" + json_string(answer.status) + ",\"prediction\":";
  if (answer.status != "ok") out += "null";
  else out += number ? json_string(digit_text(answer.digits)) : std::to_string(answer.digits[0].label);
  out += ",\"confidence\":" + (read ? json_number(confidence) : "null") +
         ",\"margin\":" + (read ? json_number(margin) : "null") + ",\"probabilities\":" +
         (read && !number ? json_array(answer.digits[0].probabilities, json_number) : "null");
  if (number) {
    out += ",\"digits\":" + json_array(answer.digits, [](const lenet5::DigitReading& digit) {
      const auto& box = digit.prepared.box;
      return "{\"prediction\":" + std::to_string(digit.label) + ",\"confidence\":" + json_number(digit.confidence) +
             ",\"margin\":" + json_number(digit.margin) + ",\"box\":[" + std::to_string(box.x) + "," +
             std::to_string(box.y) + "," + std::to_string(box.width) + "," + std::to_string(box.height) + "]}";
    });
  }
  out += ",\"error\":" + (answer.status == "error" ? json_string(answer.error) : "null") + "}";
  return out;
}

std::string text_of(const std::string& file, const Answer& answer, bool number) {
  if (answer.status == "error") return file + ": error: " + answer.error;
  if (answer.status == "no_digit") return file + ": no digit found";
  std::string readings;
  for (const auto& digit : answer.digits) {
    char reading[64];
    std::snprintf(reading, sizeof reading, "%d (%.1f%%, margin %.2f)", digit.label, 100.0 * digit.confidence,
                  double(digit.margin));
    readings += (readings.empty() ? "" : ", ") + std::string(reading);
  }
  const std::string out = file + ": " + (number ? digit_text(answer.digits) + "  [" + readings + "]" : readings);
  return answer.status == "rejected" ? out + "  rejected: below --min-confidence" : out;
}

int run(const Args& args) {
  const std::string invert = args.get("invert", "auto");
  if (invert != "auto" && invert != "yes" && invert != "no") throw UsageError("--invert must be auto, yes or no");
  const double min_confidence = args.get_double("min-confidence", 0.0, 0.0, 1.0);
  const bool number = args.flag("number"), json = args.flag("json");
  std::vector<std::string> arguments = args.positionals();
  std::optional<std::string> positional_model;
  if (!arguments.empty() && arguments[0] != "-" && lenet5::is_model_file(arguments[0])) {
    if (args.get("model")) throw UsageError("a model file given both first and as --model");
    positional_model = arguments[0];
    arguments.erase(arguments.begin());
  }
  if (arguments.empty()) throw UsageError("name at least one image, folder or '-'");
  const lenet5::Classifier classifier(lenet5::load_model(model_path(args, positional_model)));
  const lenet5::InputPreparation preparation = classifier.model().preparation;
  if (number && preparation != lenet5::InputPreparation::digit)
    throw UsageError("--number reads digits, and this model's input preparation is " + lenet5::to_string(preparation));
  lenet5::PrepareOptions options;
  options.image = classifier.model().image_shape;
  options.polarity = invert == "yes" ? lenet5::Polarity::dark_ink
                     : invert == "no" ? lenet5::Polarity::light_ink
                                      : lenet5::Polarity::automatic;

  const std::vector<std::string> pictures = pictures_of(arguments);
  if (pictures.empty()) throw lenet5::Error("no image files in " + arguments[0]);
  bool failed = false;
  for (std::size_t index = 0; index < pictures.size(); ++index) {
    const std::string& file = pictures[index];
    Answer answer;
    try {
      const lenet5::Image picture = read_picture(file);
      if (number) {
        answer.digits = lenet5::read_number(classifier, picture, options);
      } else if (const lenet5::PreparedDigit prepared = lenet5::prepare_input(picture, preparation, options);
                 prepared.ink_found) {
        answer.digits.push_back(lenet5::read_digit(classifier, prepared));
      }
      answer.status = answer.digits.empty() ? "no_digit" : "ok";
      for (const auto& digit : answer.digits)
        if (digit.confidence < min_confidence) answer.status = "rejected";
      if (const auto save = args.get("save-input"); save && !answer.digits.empty())
        lenet5::write_png(side_by_side(answer.digits), numbered(*save, index));
    } catch (const lenet5::Error& error) {
      answer = {"error", {}, error.what()};
      failed = true;
    }
    const std::string line = json ? json_of(file, answer, number) : text_of(file, answer, number);
    std::puts(line.c_str());
    if (args.flag("show") && !answer.digits.empty()) show(side_by_side(answer.digits));
  }
  return failed ? 1 : 0;
}

}  // namespace

const Command kPredict{kSpec, run};

}  // namespace cli
