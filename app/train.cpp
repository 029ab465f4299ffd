// lenet5 train: train a network on MNIST-format data, report each epoch, save the model.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cli.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/train.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "train",
    "lenet5 train [options]",
    "Trains LeNet-5 on MNIST-format IDX files, evaluating on the test split after every epoch. A checkpoint\n"
    "(OUT.checkpoint) is written after every epoch and the final model to OUT, each atomically. The same seed\n"
    "and thread count give a bit-identical model.",
    {{"preset", "NAME", "network preset: modern (default)"},
     {"data", "DIR", "folder with MNIST-format IDX files (default: $LENET5_DATA, else data/mnist)"},
     {"epochs", "N", "passes over the training set (default 5)"},
     {"batch", "N", "minibatch size (default 64)"},
     {"optimizer", "NAME", "adam (default) or sgd (with momentum)"},
     {"lr", "X", "initial learning rate (default 0.003 for adam, 0.05 for sgd)"},
     {"schedule", "NAME", "learning-rate schedule: cosine (default), step (halve every --step-epochs), constant"},
     {"step-epochs", "N", "period of the step schedule (default 3)"},
     {"momentum", "X", "SGD momentum (default 0.9)"},
     {"weight-decay", "X", "L2 weight decay (default 0)"},
     {"seed", "N", "random seed for initialisation and shuffling (default 1)"},
     {"threads", "N", "worker threads (default: all cores)"},
     {"limit", "N", "train on the first N training images only"},
     {"out", "FILE", "where to save the model (default lenet5.model)"},
     {"json", "", "print one JSON object per epoch on stdout instead of text"}},
    0, 0};

std::string format_duration(double seconds) {
  char buffer[32];
  if (seconds >= 3600) std::snprintf(buffer, sizeof buffer, "%dh%02dm", int(seconds / 3600), int(seconds / 60) % 60);
  else if (seconds >= 60) std::snprintf(buffer, sizeof buffer, "%dm%02ds", int(seconds / 60), int(seconds) % 60);
  else std::snprintf(buffer, sizeof buffer, "%.1fs", seconds);
  return buffer;
}

// A one-line bar on stderr, redrawn in place: only when stderr is a terminal.
void draw_progress(const lenet5::BatchProgress& progress, int epochs) {
  const double fraction = double(progress.images_done) / double(progress.images_total);
  const double rate = progress.seconds > 0 ? double(progress.images_done) / progress.seconds : 0.0;
  const double eta = rate > 0 ? double(progress.images_total - progress.images_done) / rate : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::fprintf(stderr, "\r\033[Kepoch %d/%d [%s%s] %3.0f%%  %.0f img/s  loss %.4f  ETA %s", progress.epoch, epochs,
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), 100.0 * fraction, rate,
               progress.mean_loss, format_duration(eta).c_str());
  if (progress.images_done == progress.images_total) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace

int run_train(const std::vector<std::string>& arguments) {
  const Args args(kSpec, arguments);
  if (args.help()) {
    std::fputs(help_text(kSpec).c_str(), stdout);
    return 0;
  }
  lenet5::TrainOptions options;
  const auto optimizer = lenet5::parse_optimizer(args.get("optimizer", "adam"));
  if (!optimizer) throw UsageError("--optimizer must be adam or sgd");
  options.optimizer = *optimizer;
  const auto schedule = lenet5::parse_schedule(args.get("schedule", "cosine"));
  if (!schedule) throw UsageError("--schedule must be cosine, step or constant");
  options.schedule = *schedule;
  options.epochs = static_cast<int>(args.get_int("epochs", options.epochs, 1, 100000));
  options.batch = static_cast<int>(args.get_int("batch", options.batch, 1, 65536));
  options.learning_rate =
      static_cast<float>(args.get_double("lr", options.optimizer == lenet5::OptimizerKind::adam ? double(options.learning_rate) : 0.05, 1e-12, 100));
  options.step_epochs = static_cast<int>(args.get_int("step-epochs", 3, 1, 100000));
  options.momentum = static_cast<float>(args.get_double("momentum", 0.9, 0, 0.9999));
  options.weight_decay = static_cast<float>(args.get_double("weight-decay", 0, 0, 1));
  options.seed = static_cast<std::uint64_t>(args.get_int("seed", 1, 0, 9007199254740991L));
  options.threads = static_cast<int>(args.get_int("threads", 0, 0, 1024));
  const long limit = args.get_int("limit", 0, 1, 1L << 40);
  const std::string out = args.get("out", "lenet5.model");
  options.checkpoint_path = out + ".checkpoint";
  const bool json = args.flag("json");

  // Fail before training, not after the first epoch's checkpoint.
  const auto out_folder = std::filesystem::absolute(out).parent_path();
  if (!std::filesystem::is_directory(out_folder))
    throw lenet5::Error("cannot write " + out + ": folder " + out_folder.string() + " does not exist");
  const std::string data_dir = lenet5::resolve_data_dir(args.get("data"));
  lenet5::Dataset train_data = lenet5::load_mnist(data_dir, lenet5::Split::train);
  if (limit > 0) train_data = train_data.head(static_cast<std::size_t>(limit));
  const lenet5::Dataset test_data = lenet5::load_mnist(data_dir, lenet5::Split::test);
  lenet5::Model model = lenet5::initialize_model(lenet5::preset(args.get("preset", "modern")), options.seed);

  if (!json)
    std::printf("training %s LeNet-5 on %zu images from %s (test: %zu): %d epochs, batch %d, %s lr %g (%s)\n",
                model.spec.preset.c_str(), train_data.count, data_dir.c_str(), test_data.count, options.epochs,
                options.batch, lenet5::to_string(options.optimizer).c_str(), double(options.learning_rate),
                lenet5::to_string(options.schedule).c_str());
  std::fflush(stdout);
  const bool live = isatty(STDERR_FILENO);
  double training_seconds = 0;
  lenet5::TrainCallbacks callbacks;
  if (live) callbacks.on_progress = [&](const lenet5::BatchProgress& p) { draw_progress(p, options.epochs); };
  callbacks.on_epoch = [&](const lenet5::EpochReport& report) {
    training_seconds += report.seconds;
    const double test_accuracy = report.test_accuracy.value_or(NAN);
    if (json) {
      std::printf("{\"epoch\":%d,\"train_loss\":%s,\"train_accuracy\":%s,\"test_accuracy\":%s,\"seconds\":%s,"
                  "\"images_per_s\":%s,\"learning_rate\":%s}\n",
                  report.epoch, json_number(report.train_loss).c_str(), json_number(report.train_accuracy).c_str(),
                  json_number(test_accuracy).c_str(), json_number(report.seconds).c_str(),
                  json_number(report.images_per_s).c_str(), json_number(report.learning_rate).c_str());
    } else {
      std::printf("epoch %2d/%d  loss %.4f  train %.2f%%  test %.2f%%  %.1fs  %.0f img/s\n", report.epoch,
                  options.epochs, report.train_loss, 100.0 * report.train_accuracy, 100.0 * test_accuracy,
                  report.seconds, report.images_per_s);
    }
    std::fflush(stdout);
  };
  lenet5::train(model, train_data, &test_data, options, callbacks);
  lenet5::save_model(model, out);
  std::remove(options.checkpoint_path.c_str());
  if (!json) {
    const auto evaluation = lenet5::evaluate(model, test_data, options.threads);
    std::printf("saved %s: test accuracy %.2f%% (%zu/%zu), %s of training\n", out.c_str(),
                100.0 * evaluation.accuracy, evaluation.correct, evaluation.count,
                format_duration(training_seconds).c_str());
  }
  return 0;
}

}  // namespace cli
