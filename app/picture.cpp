// lenet5 picture: figures of what the network sees and how well it reads, and of its training data.
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/figures.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/model.hpp"
#include "lenet5/pictures.hpp"
#include "lenet5/reading.hpp"
#include "lenet5/rejection.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "picture",
    "lenet5 picture KIND [IMAGE | LOG...] --out FILE.png|FILE.svg [options]",
    "Draws a figure, as PNG or SVG by the --out file's extension (text set in DejaVu Sans). KIND is:\n"
    "  filters      C1's and C3's kernels, C3's laid out as the paper's Table I        --model\n"
    "  maps IMAGE   the picture, the prepared input, every layer's maps and the\n"
    "               class probabilities (the paper's Fig. 13)                          --model\n"
    "  errors       every misclassified test image, most confident first (Fig. 8)      --model --data --limit\n"
    "  confusion    the test set's confusion matrix as a heatmap                       --model --data\n"
    "  curves LOG...  loss and accuracy per epoch of 'lenet5 train --json' logs       --label\n"
    "  rejection    error among the accepted test images against the fraction rejected,\n"
    "               one curve per --model (Fig. 10)                                    --model... --data --by --json\n"
    "  distortions  training digits with their random distortions (Fig. 7;\n"
    "               docs/distortions.md)                                               --data --examples ...\n"
    "docs/pictures.md shows each kind.",
    {{"out", "FILE", "the figure to write: .png or .svg"},
     model_option(),
     data_option(),
     format_option(),
     transpose_option(),
     classes_option(),
     {"limit", "N", "errors: the N most confident mistakes (default: all)"},
     {"label", "NAME", "curves: the legend's name for each LOG, in order (default: the file names)"},
     {"by", "SCORE", "rejection: reject the lowest 'confidence' (default: the top probability, as\n"
                     "                          predict --min-confidence) or the smallest 'margin' (the two best\n"
                     "                          raw outputs' difference, as eval --details and the paper's Fig. 10)"},
     {"json", "", "rejection: one object per model: model, by, error, rejection_at and threshold_at\n"
                  "                          (each keyed \"0.005\" and \"0.001\": the fraction to reject for that\n"
                  "                          error, 0 when already below, null when never reached; the --by\n"
                  "                          score below which to reject); --out is then optional"},
     {"examples", "N", "distortions: rows, the first N training digits (default 10)"},
     {"per-example", "N", "distortions: distorted instances per row, 1-9 (default 9)"},
     {"seed", "N", "distortions: the training seed whose distortions to draw (default 1)"},
     {"scale", "N", "distortions: draw each pixel as an N x N block (default 3)"}},
    1, 1u << 16};

const std::map<std::string, std::set<std::string>> kKindOptions{
    {"filters", {"model"}},
    {"maps", {"model"}},
    {"errors", {"model", "data", "format", "transpose", "classes", "limit"}},
    {"confusion", {"model", "data", "format", "transpose", "classes"}},
    {"curves", {"label"}},
    {"rejection", {"model", "data", "format", "transpose", "classes", "by", "json"}},
    {"distortions", {"data", "format", "transpose", "classes", "examples", "per-example", "seed", "scale"}},
};

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// What the figures' titles call a dataset's test split.
std::string test_set_name(const lenet5::Dataset& data) {
  return data.name.empty() ? "the test set" : "the " + data.name + " test set";
}

struct LoadedModel {
  std::string path;
  lenet5::Classifier classifier;
};

LoadedModel load(const Args& args, const std::optional<std::string>& given = std::nullopt) {
  const std::string path = model_path(args, given);
  return {path, lenet5::Classifier(lenet5::load_model(path))};
}

lenet5::Figure filters(const Args& args) {
  const LoadedModel model = load(args);
  return lenet5::filters_figure(model.classifier.layers(), file_name(model.path));
}

lenet5::Figure maps(const Args& args, const std::string& image) {
  const LoadedModel model = load(args);
  const lenet5::Model& network = model.classifier.model();
  const lenet5::Image picture = lenet5::read_image_file(image);
  lenet5::PrepareOptions options;
  options.image = network.image_shape;
  const lenet5::PreparedDigit prepared = lenet5::prepare_input(picture, network.preparation, options);
  if (!prepared.ink_found) throw lenet5::Error(image + ": no digit found (no ink on the page)");
  const lenet5::DigitReading reading = lenet5::read_digit(model.classifier, prepared);
  const auto trace = model.classifier.trace(prepared.field.pixels, prepared.field.width, prepared.field.height);
  return lenet5::maps_figure(picture, trace, reading.probabilities, lenet5::class_names(network), file_name(model.path),
                             file_name(image));
}

lenet5::Figure errors(const Args& args) {
  const std::size_t limit = std::size_t(args.get_int("limit", 0, 0, 1L << 30));
  const LoadedModel model = load(args);
  const lenet5::Dataset data = load_data_for_model(args, lenet5::Split::test, lenet5::class_names(model.classifier.model()));
  const lenet5::Evaluation evaluation = lenet5::evaluate(model.classifier, data);
  return lenet5::errors_figure(data, evaluation, limit, file_name(model.path), test_set_name(data));
}

lenet5::Figure confusion(const Args& args) {
  const LoadedModel model = load(args);
  const std::vector<std::string> names = lenet5::class_names(model.classifier.model());
  const lenet5::Dataset data = load_data_for_model(args, lenet5::Split::test, names);
  return lenet5::confusion_figure(lenet5::evaluate(model.classifier, data), names, file_name(model.path), test_set_name(data));
}

lenet5::Figure curves(const Args& args, const std::vector<std::string>& files) {
  if (files.empty()) throw UsageError("name at least one log of 'lenet5 train --json'");
  const std::vector<std::string> labels = args.get_all("label");
  if (!labels.empty() && labels.size() != files.size())
    throw UsageError(std::to_string(labels.size()) + " --label for " + std::to_string(files.size()) + " logs: give one per log, or none");
  std::vector<lenet5::TrainingLog> logs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    logs.push_back(lenet5::read_training_log(files[i]));
    if (!labels.empty()) logs.back().label = labels[i];
  }
  return lenet5::curves_figure(logs);
}

// The errors whose rejection --json reports, as its keys spell them.
const std::pair<double, const char*> kReportedErrors[] = {{0.005, "0.005"}, {0.001, "0.001"}};

std::optional<lenet5::Figure> rejection(const Args& args) {
  const std::string by = args.get("by", "confidence");
  if (by != "confidence" && by != "margin") throw UsageError("--by must be confidence or margin");
  std::vector<std::string> models = args.get_all("model");
  if (models.empty()) models.push_back("");  // the default model
  std::vector<lenet5::RejectionSeries> series;
  std::string data_name;
  for (const std::string& given : models) {
    const LoadedModel model = load(args, given.empty() ? std::nullopt : std::optional(given));
    const lenet5::Dataset data = load_data_for_model(args, lenet5::Split::test, lenet5::class_names(model.classifier.model()));
    const lenet5::Evaluation evaluation = lenet5::evaluate(model.classifier, data);
    const std::vector<float>& scores = by == "confidence" ? evaluation.confidences : evaluation.margins;
    series.push_back({file_name(model.path), lenet5::rejection_curve(scores, evaluation.predictions, data.labels)});
    data_name = test_set_name(data);
    if (!args.flag("json")) continue;
    std::string rejected = "{", thresholds = "{";
    for (const auto& [error, key] : kReportedErrors) {
      const auto reached = lenet5::rejection_for(series.back().curve, error);
      rejected += std::string(rejected.size() > 1 ? "," : "") + json_string(key) + ":" + (reached ? json_number(reached->rejected) : "null");
      thresholds += std::string(thresholds.size() > 1 ? "," : "") + json_string(key) + ":" + (reached ? json_number(reached->threshold) : "null");
    }
    const std::string line = "{\"model\":" + json_string(model.path) + ",\"by\":" + json_string(by) +
                             ",\"error\":" + json_number(series.back().curve.front().error) + ",\"rejection_at\":" + rejected +
                             "},\"threshold_at\":" + thresholds + "}}";
    std::puts(line.c_str());
  }
  if (!args.get("out")) return std::nullopt;
  return lenet5::rejection_figure(series, by == "confidence" ? "lowest confidence" : "smallest margin", data_name);
}

lenet5::Figure distortions(const Args& args) {
  const long examples = args.get_int("examples", 10, 1, 1000);
  const long per_example = args.get_int("per-example", 9, 1, 9);
  const long seed = args.get_int("seed", 1, 0, 9007199254740991L);
  const int scale = static_cast<int>(args.get_int("scale", 3, 1, 64));
  const lenet5::Dataset data = load_data(args, lenet5::Split::train);
  if (data.channels != 1) throw lenet5::Error("distortions are drawn for grey images; these have " + std::to_string(data.channels) + " channels");
  return lenet5::image_figure(lenet5::distortion_grid(data, std::size_t(examples), int(per_example), std::uint64_t(seed)), scale);
}

int run(const Args& args) {
  const std::string kind = args.positionals()[0];
  const auto options = kKindOptions.find(kind);
  if (options == kKindOptions.end())
    throw UsageError("unknown picture '" + kind + "' (known: filters, maps, errors, confusion, curves, rejection, distortions)");
  for (const OptionSpec& option : kSpec.options)
    if (option.name != "out" && args.flag(option.name) && !options->second.count(option.name))
      throw UsageError("--" + option.name + " does not apply to 'picture " + kind + "'");
  const std::vector<std::string> inputs(args.positionals().begin() + 1, args.positionals().end());
  if (kind != "curves" && inputs.size() != (kind == "maps" ? 1u : 0u))
    throw UsageError(kind == "maps" ? "'picture maps' draws one IMAGE" : "unexpected argument '" + inputs[0] + "' for 'picture " + kind + "'");
  const auto out = args.get("out");
  if (!out && !(kind == "rejection" && args.flag("json"))) throw UsageError("--out FILE.png or FILE.svg is required");
  if (out) try {
      lenet5::figure_format(*out);  // a bad name fails before any work
    } catch (const lenet5::Error& error) {
      throw UsageError(error.what());
    }
  std::optional<lenet5::Figure> figure;
  if (kind == "filters") figure = filters(args);
  else if (kind == "maps") figure = maps(args, inputs[0]);
  else if (kind == "errors") figure = errors(args);
  else if (kind == "confusion") figure = confusion(args);
  else if (kind == "curves") figure = curves(args, inputs);
  else if (kind == "rejection") figure = rejection(args);
  else figure = distortions(args);
  if (!figure) return 0;
  figure->save(*out);
  std::fprintf(args.flag("json") ? stderr : stdout, "wrote %s (%dx%d)\n", out->c_str(), figure->width(), figure->height());
  return 0;
}

}  // namespace

const Command kPicture{kSpec, run};

}  // namespace cli
