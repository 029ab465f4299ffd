// lenet5 export: a trained model in a form other runtimes read (docs/export.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/export.hpp"
#include "lenet5/model.hpp"

namespace cli {

namespace {

// A format: its name, what it writes (for --help), and how (after the model is loaded; --out is `out`).
struct Format {
  const char* name;
  const char* summary;
  void (*write)(const Args& args, const lenet5::Classifier& classifier, const std::string& out);
  std::vector<std::string> options;  // the options it reads beyond --model and --out
};

// The C files' opening lines: which model, and its accuracy where test data is at hand.
lenet5::CExportOptions c_options(const Args& args, const lenet5::Classifier& classifier, bool read_data) {
  const lenet5::Model& model = classifier.model();
  lenet5::CExportOptions options;
  options.prefix = args.get("prefix", options.prefix);
  options.notes.push_back("Model: " + std::filesystem::path(model_path(args)).filename().string() + ", preset " +
                          model.spec.preset + (model.dataset.empty() ? "" : ", trained on " + model.dataset) + ".");
  if (read_data) {
    const std::vector<std::string> names = lenet5::class_names(model);
    const lenet5::Dataset test = load_data(args, lenet5::Split::test, &names);
    char line[160];
    std::snprintf(line, sizeof line, "The float model's test accuracy: %.2f %% (%zu images of %s, lenet5 eval).",
                  100 * lenet5::evaluate(classifier, test).accuracy, test.count, test.name.c_str());
    options.notes.push_back(line);
  }
  return options;
}

void write_c(const Args& args, const lenet5::Classifier& classifier, const std::string& out) {
  lenet5::write_c_source(lenet5::c_float_source(classifier, c_options(args, classifier, args.flag("data"))), out);
}

void write_c_int8(const Args& args, const lenet5::Classifier& classifier, const std::string& out) {
  const auto count = std::size_t(args.get_int("calibration", 1000, 1, 1000000));
  lenet5::CExportOptions options = c_options(args, classifier, true);
  const lenet5::Dataset calibration = load_data(args, lenet5::Split::train).head(count);
  options.notes.push_back("int8: activations calibrated on the first " + std::to_string(calibration.count) +
                          " training images of " + calibration.name + ".");
  lenet5::write_c_source(lenet5::c_int8_source(classifier, calibration, options), out);
}

const Format kFormats[] = {
    {"onnx", "an ONNX file (opset 13) for ONNX Runtime and other ONNX runtimes: input\n"
             "           'image' [N,C,H,W] (N,1,32,32 for digits), pixels in [0,1], 0 = background; output\n"
             "           'scores' [N,classes], the highest wins, and 'penalties' for the classic preset",
     [](const Args&, const lenet5::Classifier& classifier, const std::string& out) { lenet5::export_onnx(classifier, out); },
     {}},
    {"c", "C99 for microcontrollers, float32: the folder PATH gets lenet5_model.h and lenet5_model.c;\n"
          "           lenet5_classify(image) takes a 28x28 digit's bytes (0 = background) and returns its\n"
          "           class; no heap, no writable globals; the classic preset needs libm's tanhf",
     write_c, {"prefix", "data", "format", "transpose"}},
    {"c-int8", "the same in integers alone: weights int8 per output channel, activations calibrated\n"
               "           on the first --calibration N training images of --data",
     write_c_int8, {"prefix", "calibration", "data", "format", "transpose"}},
};

std::string formats_text() {
  std::string text;
  for (const Format& format : kFormats) {
    std::string name = format.name;
    name.resize(9, ' ');
    text += "\n  " + name + format.summary;
  }
  return text;
}

const CommandSpec kSpec{
    "export",
    "lenet5 export FORMAT [--model M] --out PATH",
    "Writes a trained model in a form that runs without this tool (docs/export.md). The caller prepares\n"
    "each picture as 'predict' does (docs/real-input.md) and centres it on the network's input. FORMAT is:" +
        formats_text(),
    {model_option(),
     {"out", "PATH", "where to write the export: a file (onnx) or a folder (c, c-int8), which may not\n"
                     "                          hold other files"},
     {"prefix", "NAME", "c, c-int8: the prefix of every name in the C files, so that two models link\n"
                        "                          into one program (default lenet5: lenet5_classify, LENET5_CLASSES)"},
     {"calibration", "N", "c-int8: calibrate the activations on the first N training images (default 1000)"},
     data_option(),
     format_option(),
     transpose_option()},
    1, 1};

int run(const Args& args) {
  const std::string& name = args.positionals()[0];
  const Format* format = nullptr;
  std::string known;
  for (const Format& candidate : kFormats) {
    if (candidate.name == name) format = &candidate;
    known += (known.empty() ? "" : ", ") + std::string(candidate.name);
  }
  if (!format) throw UsageError("unknown format '" + name + "' (known: " + known + ")");
  for (const std::string option : {"prefix", "calibration", "data", "format", "transpose"})
    if (args.flag(option) && std::find(format->options.begin(), format->options.end(), option) == format->options.end())
      throw UsageError("--" + option + " does not apply to the format " + name);
  const auto out = args.get("out");
  if (!out) throw UsageError("--out PATH is required");
  const lenet5::Classifier classifier(lenet5::load_model(model_path(args)));
  format->write(args, classifier, *out);
  std::printf("wrote %s\n", out->c_str());
  return 0;
}

}  // namespace

const Command kExport{kSpec, run};

}  // namespace cli
