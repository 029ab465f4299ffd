// Training curves: loss and accuracy per epoch from `lenet5 train --json` logs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "figures/chart.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

Figure curves_figure(const std::vector<TrainingLog>& logs) {
  if (logs.empty()) throw Error("curves figure: no training logs");
  double last_epoch = 1, lowest_loss = std::numeric_limits<double>::infinity(), highest_loss = 0, lowest_accuracy = 1;
  bool validation = false, test = false;
  for (const TrainingLog& log : logs) {
    (log.held_out == "validation" ? validation : test) = true;
    for (const EpochRecord& epoch : log.epochs) {
      last_epoch = std::max(last_epoch, double(epoch.epoch));
      if (epoch.train_loss > 0) {
        lowest_loss = std::min(lowest_loss, epoch.train_loss);
        highest_loss = std::max(highest_loss, epoch.train_loss);
      }
      lowest_accuracy = std::min({lowest_accuracy, epoch.train_accuracy, epoch.held_out_accuracy.value_or(1.0)});
    }
  }
  if (highest_loss == 0) lowest_loss = highest_loss = 1;  // no positive loss to draw on a logarithmic axis
  const std::string held_out = validation && test ? "held-out" : validation ? "validation" : "test";

  const auto epoch_label = [](double value) { return significant(value, 4); };
  const Axis epochs = linear_axis(last_epoch > 1 ? 1 : 0, last_epoch, std::min(10, int(last_epoch)), "epoch", epoch_label);
  const Axis loss = log_axis(lowest_loss, highest_loss, "training loss (logarithmic)");
  const Axis accuracy = linear_axis(100 * lowest_accuracy, 100, 5, "accuracy (%)",
                                    [](double value) { return significant(value, 4); });

  const double margin = 20, panel_width = 420, panel_height = 300, left = margin + 70, top = 100;
  const double gap = 110;
  const Plot loss_plot{left, top, panel_width, panel_height, epochs, loss};
  const Plot accuracy_plot{left + panel_width + gap, top, panel_width, panel_height, epochs, accuracy};

  std::vector<LegendEntry> entries;
  for (std::size_t i = 0; i < logs.size(); ++i) entries.push_back({logs[i].label, series_colour(i)});
  const std::vector<LegendEntry> styles{{held_out + " accuracy", kAxis}, {"training accuracy", kAxis, 6}};
  const double legend_top = top + panel_height + kTickRoom + kAxisLabelRoom + 30;
  std::vector<std::string> labels;
  for (const TrainingLog& log : logs) labels.push_back(log.label);
  const std::string title = "Training curves: " + joined(labels);
  const std::string subtitle = "per epoch, from `lenet5 train --json` logs; each run's loss is its own criterion";
  const int width = int(std::ceil(std::max({accuracy_plot.x + panel_width + margin, text_width(title, {kTitleSize, true}) + 2 * margin, margin + legend_width(entries) + margin, margin + legend_width(styles) + margin,
                                           margin + text_width(subtitle) + margin})));
  const int height = int(std::ceil(legend_top + 24 + 20));

  return make_figure(width, height, {loss_plot.region("loss"), accuracy_plot.region("accuracy")}, [=](Canvas& canvas) {
    canvas.text(margin, 32, title, {kTitleSize, true});
    canvas.text(margin, 56, subtitle);
    draw_axes(canvas, loss_plot);
    draw_axes(canvas, accuracy_plot);
    canvas.text(loss_plot.x, top - 8, "Loss", {kLabelSize, true});
    canvas.text(accuracy_plot.x, top - 8, "Accuracy", {kLabelSize, true});
    for (std::size_t i = 0; i < logs.size(); ++i) {
      std::vector<std::pair<double, double>> losses, held, trained;
      for (const EpochRecord& epoch : logs[i].epochs) {
        if (epoch.train_loss > 0) losses.emplace_back(epoch.epoch, epoch.train_loss);
        if (epoch.held_out_accuracy) held.emplace_back(epoch.epoch, 100 * *epoch.held_out_accuracy);
        trained.emplace_back(epoch.epoch, 100 * epoch.train_accuracy);
      }
      draw_series(canvas, loss_plot, losses, series_colour(i));
      draw_series(canvas, accuracy_plot, held, series_colour(i));
      draw_series(canvas, accuracy_plot, trained, series_colour(i), 6);
    }
    draw_legend(canvas, margin, legend_top, entries);
    draw_legend(canvas, margin, legend_top + 24, styles);
  });
}

}  // namespace lenet5
