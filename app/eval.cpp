// lenet5 eval: accuracy, confusion matrix and per-class precision/recall of a saved model.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/model.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "eval",
    "lenet5 eval [--model M | MODEL] [options]",
    "Classifies a dataset split with a saved model and prints the accuracy, the confusion matrix (rows: true\n"
    "class, columns: predicted class) and each class's precision and recall, classes by the names the model\n"
    "stores (a dataset's labels are matched to them by name).",
    {model_option(),
     data_option(),
     format_option(),
     transpose_option(),
     classes_option(),
     {"split", "NAME", "test (default) or train"},
     {"threads", "N", "worker threads (default: all cores)"},
     {"json", "", "print one JSON object: classes (names), accuracy, correct, count, confusion,\n"
                  "                          precision, recall"},
     {"details", "", "with --json, also per example: predictions and margins (best output's lead)"}},
    0, 1};

int run(const Args& args) {
  if (args.flag("details") && !args.flag("json")) throw UsageError("--details goes with --json");
  const std::string split = args.get("split", "test");
  if (split != "test" && split != "train") throw UsageError("--split must be test or train");
  const int threads = static_cast<int>(args.get_int("threads", 0, 0, 1024));
  const auto& given = args.positionals();  // a model named first, as before --model
  const lenet5::Model model = lenet5::load_model(model_path(args, given.empty() ? std::nullopt : std::optional(given[0])));
  const std::vector<std::string> names = lenet5::class_names(model);
  const lenet5::Dataset data = load_data_for_model(args, split == "test" ? lenet5::Split::test : lenet5::Split::train, names);
  const lenet5::Evaluation result = lenet5::evaluate(model, data, threads);
  const std::size_t classes = result.confusion.size();

  if (args.flag("json")) {
    const auto count = [](std::size_t n) { return std::to_string(n); };
    const auto rows = [&](const std::vector<std::size_t>& row) { return json_array(row, count); };
    std::string out = "{\"classes\":" + json_array(names, json_string) + ",\"accuracy\":" + json_number(result.accuracy) + ",\"correct\":" +
                      std::to_string(result.correct) + ",\"count\":" + std::to_string(result.count) +
                      ",\"confusion\":" + json_array(result.confusion, rows) +
                      ",\"precision\":" + json_array(result.precision, json_number) +
                      ",\"recall\":" + json_array(result.recall, json_number);
    if (args.flag("details"))
      out += ",\"predictions\":" + json_array(result.predictions, [](int c) { return std::to_string(c); }) +
             ",\"margins\":" + json_array(result.margins, [](float m) { return json_number(m); });
    out += "}";
    std::puts(out.c_str());
    return 0;
  }
  std::printf("%s split: %zu of %zu correct, accuracy %.2f%% (error %.2f%%)\n\n", split.c_str(), result.correct,
              result.count, 100.0 * result.accuracy, 100.0 * (1.0 - result.accuracy));
  // Columns are numbered; the rows and the per-class table name each class (numbers alone when the names
  // are the numbers).
  bool numbered = true;
  for (std::size_t c = 0; c < classes; ++c) numbered = numbered && names[c] == std::to_string(c);
  int width = 3;
  for (const auto& name : names) width = std::max(width, int(name.size()));
  const auto label = [&](std::size_t c) { return numbered ? names[c] : std::to_string(c) + " " + names[c]; };
  if (!numbered) width += 4;
  std::printf("confusion matrix (rows: true class, columns: predicted)\n  %*s  ", width, "");
  for (std::size_t col = 0; col < classes; ++col) std::printf("%6zu", col);
  std::printf("\n");
  for (std::size_t row = 0; row < classes; ++row) {
    std::printf("  %-*s  ", width, label(row).c_str());
    for (std::size_t col = 0; col < classes; ++col) std::printf("%6zu", result.confusion[row][col]);
    std::printf("\n");
  }
  std::printf("\n  %-*s  precision  recall  errors\n", width, "class");
  for (std::size_t c = 0; c < classes; ++c) {
    std::size_t total = 0;
    for (std::size_t col = 0; col < classes; ++col) total += result.confusion[c][col];
    std::printf("  %-*s  %8.2f%%  %6.2f%%  %6zu\n", width, label(c).c_str(), 100.0 * result.precision[c],
                100.0 * result.recall[c], total - result.confusion[c][c]);
  }
  return 0;
}

}  // namespace

const Command kEval{kSpec, run};

}  // namespace cli
