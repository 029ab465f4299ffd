// lenet5 eval: accuracy, confusion matrix and per-class precision/recall of a saved model.
#include <cstdio>
#include <optional>

#include "cli.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "eval",
    "lenet5 eval [--model M | MODEL] [options]",
    "Classifies a dataset split with a saved model and prints the accuracy, the confusion matrix (rows: true\n"
    "class, columns: predicted class) and each class's precision and recall.",
    {model_option(),
     {"data", "DIR", "folder with MNIST-format IDX files (default: $LENET5_DATA, else data/mnist)"},
     {"split", "NAME", "test (default) or train"},
     {"threads", "N", "worker threads (default: all cores)"},
     {"json", "", "print one JSON object: accuracy, correct, count, confusion, precision, recall"},
     {"details", "", "with --json, also per example: predictions and margins (best output's lead)"}},
    0, 1};

int run(const Args& args) {
  if (args.flag("details") && !args.flag("json")) throw UsageError("--details goes with --json");
  const std::string split = args.get("split", "test");
  if (split != "test" && split != "train") throw UsageError("--split must be test or train");
  const int threads = static_cast<int>(args.get_int("threads", 0, 0, 1024));
  const auto& given = args.positionals();  // a model named first, as before --model
  const lenet5::Model model = lenet5::load_model(model_path(args, given.empty() ? std::nullopt : std::optional(given[0])));
  const lenet5::Dataset data = load_data(data_dir(args), split == "test" ? lenet5::Split::test : lenet5::Split::train);
  const lenet5::Evaluation result = lenet5::evaluate(model, data, threads);
  const std::size_t classes = result.confusion.size();

  if (args.flag("json")) {
    const auto count = [](std::size_t n) { return std::to_string(n); };
    const auto rows = [&](const std::vector<std::size_t>& row) { return json_array(row, count); };
    std::string out = "{\"accuracy\":" + json_number(result.accuracy) + ",\"correct\":" +
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
  std::printf("confusion matrix (rows: true class, columns: predicted)\n       ");
  for (std::size_t col = 0; col < classes; ++col) std::printf("%6zu", col);
  std::printf("\n");
  for (std::size_t row = 0; row < classes; ++row) {
    std::printf("  %3zu  ", row);
    for (std::size_t col = 0; col < classes; ++col) std::printf("%6zu", result.confusion[row][col]);
    std::printf("\n");
  }
  std::printf("\nclass  precision  recall  errors\n");
  for (std::size_t c = 0; c < classes; ++c) {
    std::size_t total = 0;
    for (std::size_t col = 0; col < classes; ++col) total += result.confusion[c][col];
    std::printf("  %3zu  %8.2f%%  %6.2f%%  %6zu\n", c, 100.0 * result.precision[c], 100.0 * result.recall[c],
                total - result.confusion[c][c]);
  }
  return 0;
}

}  // namespace

const Command kEval{kSpec, run};

}  // namespace cli
