// lenet5 predict: read the digit, or the number, in people's pictures; or classify a CSV file's images and
// write Kaggle's submission.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/data_formats.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/model.hpp"
#include "lenet5/reading.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "predict",
    "lenet5 predict [--model M] IMAGE... | FOLDER | - [options]\n"
    "       lenet5 predict [--model M] --csv FILE [--out SUBMISSION] [--json]",
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
    "that cannot be read gets its own error, the others are still read, and the exit code is then 1.\n"
    "With --csv, the images are the rows of a CSV file in Kaggle's layout (a header, then per row the label,\n"
    "if the file has one, and the n x n pixels, 0-255, each image as the model was trained on), classified\n"
    "as they are; the accuracy is printed when the file has labels, and --out writes Kaggle's submission.",
    {model_option(),
     {"number", "", "read a whole number: the digits left to right, touching ones cut apart"},
     {"min-confidence", "P", "reject (status 'rejected') instead of guessing below confidence P (0-1; with\n"
                             "                          --number, any digit below P rejects the number)"},
     {"invert", "WHEN", "auto (default): the paper is the picture's majority; yes: dark ink on light;\n"
                        "                          no: light ink on dark (a plain model: yes inverts the\n"
                        "                          grey levels, auto and no keep them)"},
     {"json", "", "one object per picture: file, status (ok, rejected, no_digit, error), prediction\n"
                  "                          (the class index), class_name, confidence, margin,\n"
                  "                          probabilities, error; with --number, digits. With --csv, one\n"
                  "                          object: file, count, correct, accuracy (null unlabelled), out"},
     {"show", "", "draw each prepared 28x28 digit in the terminal"},
     {"save-input", "FILE", "write the prepared digit(s) as a PNG (FILE-2.png, ... for later pictures)"},
     {"csv", "FILE", "classify the images of a CSV file (Kaggle's train.csv or test.csv layout)\n"
                     "                          instead of pictures"},
     {"out", "FILE", "with --csv: write Kaggle's submission there, 'ImageId,Label' then one line\n"
                     "                          per row ('1,7', ...; the model's class names)"},
     classes_option()},
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

// The digits' labels one after the other, or with `names`, their class names.
std::string digit_text(const std::vector<lenet5::DigitReading>& digits, const std::vector<std::string>* names = nullptr) {
  std::string text;
  for (const auto& digit : digits) text += names ? (*names)[std::size_t(digit.label)] : std::to_string(digit.label);
  return text;
}

std::string json_of(const std::string& file, const Answer& answer, bool number, const std::vector<std::string>& names) {
  const bool read = !answer.digits.empty();
  float confidence = 1, margin = 1;
  for (const auto& digit : answer.digits) {
    confidence = number ? confidence * digit.confidence : digit.confidence;
    margin = std::min(margin, digit.margin);
  }
  std::string out = "{\"file\":" + json_string(file) + ",\"status\":" + json_string(answer.status) + ",\"prediction\":";
  if (answer.status != "ok") out += "null";
  else out += number ? json_string(digit_text(answer.digits)) : std::to_string(answer.digits[0].label);
  out += ",\"class_name\":";
  if (answer.status != "ok") out += "null";
  else out += json_string(digit_text(answer.digits, &names));
  out += ",\"confidence\":" + (read ? json_number(confidence) : "null") +
         ",\"margin\":" + (read ? json_number(margin) : "null") + ",\"probabilities\":" +
         (read && !number ? json_array(answer.digits[0].probabilities, json_number) : "null");
  if (number) {
    out += ",\"digits\":" + json_array(answer.digits, [&](const lenet5::DigitReading& digit) {
      const auto& box = digit.prepared.box;
      return "{\"prediction\":" + std::to_string(digit.label) +
             ",\"class_name\":" + json_string(names[std::size_t(digit.label)]) +
             ",\"confidence\":" + json_number(digit.confidence) +
             ",\"margin\":" + json_number(digit.margin) + ",\"box\":[" + std::to_string(box.x) + "," +
             std::to_string(box.y) + "," + std::to_string(box.width) + "," + std::to_string(box.height) + "]}";
    });
  }
  out += ",\"error\":" + (answer.status == "error" ? json_string(answer.error) : "null") + "}";
  return out;
}

std::string text_of(const std::string& file, const Answer& answer, bool number, const std::vector<std::string>& names) {
  if (answer.status == "error") return file + ": error: " + answer.error;
  if (answer.status == "no_digit") return file + ": no digit found";
  std::string readings;
  for (const auto& digit : answer.digits) {
    char reading[64];
    std::snprintf(reading, sizeof reading, " (%.1f%%, margin %.2f)", 100.0 * digit.confidence, double(digit.margin));
    readings += (readings.empty() ? "" : ", ") + names[std::size_t(digit.label)] + reading;
  }
  const std::string out = file + ": " + (number ? digit_text(answer.digits) + "  [" + readings + "]" : readings);
  return answer.status == "rejected" ? out + "  rejected: below --min-confidence" : out;
}

std::string shape_text(int channels, int rows, int cols) {
  return std::to_string(rows) + "x" + std::to_string(cols) + " " +
         (channels == 1 ? std::string("grey") : channels == 3 ? std::string("colour") : std::to_string(channels) + "-channel");
}

// --csv: every row's class, the accuracy where the file has labels, Kaggle's submission with --out. The rows
// are classified as they are (no preparation), so they must have the shape of the model's training images.
int predict_csv(const Args& args, const std::string& csv, const lenet5::Classifier& classifier) {
  const lenet5::Model& model = classifier.model();
  const std::vector<std::string> names = lenet5::class_names(model);
  const std::optional<std::string> label_names = args.get("classes");
  lenet5::Dataset data;
  try {
    data = lenet5::read_csv_images(csv, &names, label_names ? lenet5::read_class_names(*label_names)
                                                            : std::vector<std::string>{});
  } catch (const lenet5::UnknownClass& error) {  // labels that are numbers, for a model that names them
    if (label_names) throw;
    throw lenet5::Error(std::string(error.what()) + "; to name the file's labels as the model does, give --classes FILE");
  }
  const lenet5::Shape& shape = model.image_shape;
  if (data.channels != shape.channels || data.rows != shape.height || data.cols != shape.width)
    throw lenet5::Error(csv + ": " + shape_text(data.channels, data.rows, data.cols) + " images, but the model reads " +
                        shape_text(shape.channels, shape.height, shape.width) + " images (those it was trained on)");
  const std::vector<int> predictions = classifier.predict(data).labels;
  const std::optional<std::string> out = args.get("out");
  if (out) lenet5::write_csv_submission(*out, predictions, names);
  const bool labelled = !data.labels.empty();
  std::size_t correct = 0;
  for (std::size_t i = 0; labelled && i < data.count; ++i) correct += predictions[i] == data.labels[i];
  const double accuracy = labelled ? double(correct) / double(data.count) : 0.0;
  if (args.flag("json")) {
    const std::string line = "{\"file\":" + json_string(csv) + ",\"count\":" + std::to_string(data.count) +
                             ",\"correct\":" + (labelled ? std::to_string(correct) : "null") +
                             ",\"accuracy\":" + (labelled ? json_number(accuracy) : "null") +
                             ",\"out\":" + (out ? json_string(*out) : "null") + "}";
    std::puts(line.c_str());
    return 0;
  }
  std::printf("%s: %zu images classified", csv.c_str(), data.count);
  if (labelled) std::printf(", %zu correct, accuracy %.2f%%", correct, 100.0 * accuracy);
  if (out) std::printf("; submission written to %s", out->c_str());
  else if (!labelled) std::printf("; --out FILE writes them as Kaggle's submission");
  std::printf("\n");
  return 0;
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
  const std::optional<std::string> csv = args.get("csv");
  if (args.flag("out") && !csv) throw UsageError("--out writes the submission of --csv's images; it needs --csv");
  if (args.flag("classes") && !csv) throw UsageError("--classes names the labels of --csv's rows; it needs --csv");
  if (csv) {
    if (!arguments.empty()) throw UsageError("--csv classifies the file's rows; name no pictures with it");
    for (const char* option : {"number", "min-confidence", "invert", "show", "save-input"})
      if (args.flag(option)) throw UsageError(std::string("--") + option + " is for pictures, not --csv's rows");
    return predict_csv(args, *csv, lenet5::Classifier(lenet5::load_model(model_path(args, positional_model))));
  }
  if (arguments.empty()) throw UsageError("name at least one image, folder or '-'");
  const lenet5::Classifier classifier(lenet5::load_model(model_path(args, positional_model)));
  const std::vector<std::string> names = lenet5::class_names(classifier.model());
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
    const std::string line = json ? json_of(file, answer, number, names) : text_of(file, answer, number, names);
    std::puts(line.c_str());
    if (args.flag("show") && !answer.digits.empty()) show(side_by_side(answer.digits));
  }
  return failed ? 1 : 0;
}

}  // namespace

const Command kPredict{kSpec, run};

}  // namespace cli
