// lenet5 train: train a network on a dataset (IDX, image folders, CSV, CIFAR-10), report each epoch, save the model.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/model.hpp"
#include "lenet5/train.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "train",
    "lenet5 train [options]\n"
    "       lenet5 train --from MODEL [options]\n"
    "       lenet5 train --resume OUT.checkpoint [--data DIR] [--out FILE] [--json]",
    "Trains LeNet-5 on a dataset (docs/datasets.md), evaluating on its test split (with --validation, on\n"
    "images held out of the training split) after every epoch. The network follows the data: grey or colour\n"
    "input, one output per class (the training split's labels, sorted), and for the modern preset each\n"
    "channel standardised with the training images' mean and deviation; the model stores the class names.\n"
    "With --from, training starts from a trained model instead (fine-tuning, docs/training.md).\n"
    "A checkpoint (OUT.checkpoint) is written after every epoch and the final model to OUT, each atomically;\n"
    "--resume continues an interrupted run from its checkpoint. The same seed and thread count give a\n"
    "bit-identical model, interrupted or not.",
    {{"preset", "NAME", "network preset: modern (default) or classic (the 1998 paper's: ten digits only)"},
     {"from", "MODEL", "fine-tune MODEL (a file, or modern / classic for the shipped ones) rather than\n"
                       "                          a new network: its network, input scaling, input preparation\n"
                       "                          and weights are kept, and data of other classes get a new\n"
                       "                          output layer. The training options are its preset's usual\n"
                       "                          ones; a lower --lr (such as 0.0003) changes less of what it\n"
                       "                          knew, for data close to its own (docs/training.md)"},
     {"resume", "FILE", "continue the interrupted run whose checkpoint is FILE (OUT.checkpoint) from its\n"
                        "                          next epoch, with its own options and data, to the model it\n"
                        "                          would have saved; only --data (where its data are now), --out\n"
                        "                          and --json may be given with it"},
     data_option(),
     format_option(),
     transpose_option(),
     classes_option(),
     {"epochs", "N", "passes over the training set (default: modern 5, classic 20)"},
     {"batch", "N", "minibatch size (default: modern 64, classic 1 as in the paper)"},
     {"optimizer", "NAME", "adam (modern's default), sgd (with momentum) or sdlm (classic's default)"},
     {"lr", "X", "initial learning rate (default: adam 0.003, sgd 0.05, sdlm 0.0005)"},
     {"schedule", "NAME",
      "learning-rate schedule: cosine (modern's default), step (halve every --step-epochs),\n"
      "                          constant, or paper (classic's default: lr x 1, 0.4, 0.2, 0.1, 0.02 from\n"
      "                          passes 1, 3, 6, 9, 13)"},
     {"step-epochs", "N", "period of the step schedule (default 3)"},
     {"momentum", "X", "SGD momentum (default 0.9)"},
     {"weight-decay", "X", "L2 weight decay (default 0)"},
     {"sdlm-mu", "X", "SDLM's mu, the step's damping (default 0.02)"},
     {"curvature-samples", "N", "patterns SDLM averages its curvature over before each pass (default 500)"},
     {"distortions", "", "train on the paper's random affine distortions (docs/distortions.md)"},
     {"stroke-widths", "W", "with --distortions, also thin or thicken each distorted instance's strokes by\n"
                            "                          up to W pixels each side, as people's pens differ (not the\n"
                            "                          paper's; default 0, the shipped modern model 1)"},
     {"touching-pairs", "F", "add F touching pairs per training digit (0-1), two digits side by side\n"
                             "                          trained as no digit, so that reading a number can tell\n"
                             "                          touching digits from one (digit data only; default 0)"},
     {"input", "HOW", "how 'predict' is to prepare pictures for the model, stored in it: digit (MNIST's\n"
                      "                          procedure, for handwritten digits; the default for grey data\n"
                      "                          of classes 0-9) or plain (the whole picture letterboxed; the\n"
                      "                          default for any other data; with --from, the model's)"},
     {"loss", "NAME", "override the preset's loss: for classic map (default) or mse; for modern\n"
                      "                          softmax_cross_entropy (the only one that fits its output layer)"},
     {"map-constant", "J", "the constant j of the MAP loss, eq. 9 (default 7)"},
     {"seed", "N", "random seed for initialisation (with --from, of a new output layer) and\n"
                   "                          shuffling (default 1)"},
     {"threads", "N", "worker threads (default: all cores; classic 1)"},
     {"limit", "N", "train on the first N training images only"},
     {"validation", "N", "hold out the last N images of the training split (--limit applies to the rest)\n"
                         "                          and evaluate on them after every epoch instead of the test\n"
                         "                          split, to make choices without seeing it"},
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

// The network a new run trains: the preset, with --loss and --map-constant.
lenet5::NetworkSpec network_from_options(const Args& args) {
  lenet5::NetworkSpec spec = lenet5::preset(preset_option(args));
  if (const auto name = args.get("loss")) {
    if (*name == "map") spec.loss = lenet5::LossKind::map;
    else if (*name == "mse") spec.loss = lenet5::LossKind::mse;
    else if (*name == "softmax_cross_entropy") spec.loss = lenet5::LossKind::softmax_cross_entropy;
    else throw UsageError("--loss must be map, mse or softmax_cross_entropy");
  }
  if (args.get("map-constant")) {
    if (spec.loss != lenet5::LossKind::map) throw UsageError("--map-constant applies to the map loss only");
    spec.map_constant = static_cast<float>(args.get_double("map-constant", spec.map_constant, 1e-6, 1e6));
  }
  try {
    lenet5::summarize(spec);
  } catch (const lenet5::Error& error) {  // a loss that does not fit the preset's output layer
    throw UsageError(std::string("--loss: ") + error.what());
  }
  return spec;
}

// The preset's recommended training, changed by the options.
lenet5::TrainOptions training_options(const Args& args, const std::string& preset) {
  lenet5::TrainOptions options = lenet5::recommended_training(preset);
  if (const auto name = args.get("optimizer")) {
    const auto optimizer = lenet5::parse_optimizer(*name);
    if (!optimizer) throw UsageError("--optimizer must be adam, sgd or sdlm");
    if (*optimizer != options.optimizer) options.learning_rate = lenet5::default_learning_rate(*optimizer);
    options.optimizer = *optimizer;
  }
  if (const auto name = args.get("schedule")) {
    const auto schedule = lenet5::parse_schedule(*name);
    if (!schedule) throw UsageError("--schedule must be cosine, step, constant or paper");
    options.schedule = *schedule;
  }
  options.epochs = static_cast<int>(args.get_int("epochs", options.epochs, 1, 100000));
  options.batch = static_cast<int>(args.get_int("batch", options.batch, 1, 65536));
  options.learning_rate = static_cast<float>(args.get_double("lr", options.learning_rate, 1e-12, 100));
  options.step_epochs = static_cast<int>(args.get_int("step-epochs", options.step_epochs, 1, 100000));
  options.momentum = static_cast<float>(args.get_double("momentum", options.momentum, 0, 0.9999));
  options.weight_decay = static_cast<float>(args.get_double("weight-decay", options.weight_decay, 0, 1));
  options.sdlm_mu = static_cast<float>(args.get_double("sdlm-mu", options.sdlm_mu, 1e-9, 1e6));
  options.curvature_samples =
      static_cast<int>(args.get_int("curvature-samples", options.curvature_samples, 1, 1000000));
  options.seed = static_cast<std::uint64_t>(args.get_int("seed", long(options.seed), 0, 9007199254740991L));
  options.threads = static_cast<int>(args.get_int("threads", options.threads, 0, 1024));
  options.distortions = args.flag("distortions");
  options.stroke_change = static_cast<float>(args.get_double("stroke-widths", 0, 0, 3));
  if (options.stroke_change > 0 && !options.distortions) throw UsageError("--stroke-widths needs --distortions");
  options.touching_pairs = static_cast<float>(args.get_double("touching-pairs", 0, 0, 1));
  return options;
}

// Fails before training, not after the first epoch's checkpoint.
void check_writable(const std::string& out) {
  const auto out_folder = std::filesystem::absolute(out).parent_path();
  if (!std::filesystem::is_directory(out_folder))
    throw lenet5::Error("cannot write " + out + ": folder " + out_folder.string() + " does not exist");
  if (std::filesystem::is_directory(out)) throw lenet5::Error("cannot write " + out + ": it is a folder");
}

struct TrainingData {
  lenet5::Dataset train, held_out;
  std::string held_out_name;  // "test" or "validation"
  std::string folder;
  std::vector<std::string> source;  // the data options that read these sets again, the folder made absolute
};

// The training and held-out sets, as --data, --format, --transpose, --classes, --validation and --limit say.
TrainingData load_training_data(const Args& args) {
  const long limit = args.get_int("limit", 0, 1, 1L << 40);
  const long validation = args.get_int("validation", 0, 1, 1L << 40);
  TrainingData data;
  data.folder = data_dir(args);
  data.source = {"--data", std::filesystem::absolute(data.folder).string()};
  if (const auto format = args.get("format")) data.source.insert(data.source.end(), {"--format", *format});
  if (args.flag("transpose")) data.source.push_back("--transpose");
  if (const auto names = args.get("classes"))
    data.source.insert(data.source.end(), {"--classes", std::filesystem::absolute(*names).string()});
  data.train = load_data(args, lenet5::Split::train);
  if (validation > 0) {
    if (std::size_t(validation) >= data.train.count)
      throw UsageError("--validation " + std::to_string(validation) + " leaves no training images (the split has " +
                       std::to_string(data.train.count) + ")");
    const std::size_t kept = data.train.count - std::size_t(validation);
    data.held_out = data.train.slice(kept, std::size_t(validation));
    data.train = data.train.head(kept);
    data.source.insert(data.source.end(), {"--validation", std::to_string(validation)});
  } else {
    try {
      data.held_out = load_data(args, lenet5::Split::test, &data.train.classes);
    } catch (const lenet5::DataNotFound& error) {
      throw lenet5::Error(std::string(error.what()) + "; without a test split, hold out training images with --validation N");
    }
  }
  if (limit > 0) {
    data.train = data.train.head(static_cast<std::size_t>(limit));
    data.source.insert(data.source.end(), {"--limit", std::to_string(limit)});
  }
  data.held_out_name = validation > 0 ? "validation" : "test";
  return data;
}

// Runs `train` (which trains epochs `first_epoch` to `epochs` of a run) reporting each epoch, then saves
// the model to `out` and removes the checkpoint.
int train_and_save(const std::function<lenet5::Model(const lenet5::TrainCallbacks&)>& train, const TrainingData& data,
                   int first_epoch, int epochs, const std::string& out, bool json) {
  std::fflush(stdout);
  const bool live = isatty(STDERR_FILENO);
  double training_seconds = 0, last_accuracy = NAN;
  lenet5::TrainCallbacks callbacks;
  if (live) callbacks.on_progress = [&](const lenet5::BatchProgress& p) { draw_progress(p, epochs); };
  callbacks.on_epoch = [&](const lenet5::EpochReport& report) {
    training_seconds += report.seconds;
    last_accuracy = report.held_out_accuracy.value_or(NAN);
    if (json) {
      std::printf("{\"epoch\":%d,\"train_loss\":%s,\"train_accuracy\":%s,\"%s_accuracy\":%s,\"seconds\":%s,"
                  "\"images_per_s\":%s,\"learning_rate\":%s}\n",
                  report.epoch, json_number(report.train_loss).c_str(), json_number(report.train_accuracy).c_str(),
                  data.held_out_name.c_str(), json_number(last_accuracy).c_str(), json_number(report.seconds).c_str(),
                  json_number(report.images_per_s).c_str(), json_number(report.learning_rate).c_str());
    } else {
      std::printf("epoch %2d/%d  loss %.4f  train %.2f%%  %s %.2f%%  %.1fs  %.0f img/s\n", report.epoch, epochs,
                  report.train_loss, 100.0 * report.train_accuracy, data.held_out_name.c_str(), 100.0 * last_accuracy,
                  report.seconds, report.images_per_s);
    }
    std::fflush(stdout);
  };
  lenet5::save_model(train(callbacks), out);
  std::remove((out + ".checkpoint").c_str());
  if (json) return 0;
  if (first_epoch > epochs)
    std::printf("saved %s: the run had done all its %d epochs\n", out.c_str(), epochs);
  else
    std::printf("saved %s: %s accuracy %.2f%% after the last epoch, %s of training\n", out.c_str(),
                data.held_out_name.c_str(), 100.0 * last_accuracy, format_duration(training_seconds).c_str());
  return 0;
}

std::string describe_run(const lenet5::TrainOptions& options) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%d epochs, batch %d, %s lr %g (%s)", options.epochs, options.batch,
                lenet5::to_string(options.optimizer).c_str(), double(options.learning_rate),
                lenet5::to_string(options.schedule).c_str());
  std::string text = buffer;
  if (options.touching_pairs > 0) {
    std::snprintf(buffer, sizeof buffer, ", %g touching pairs per image", double(options.touching_pairs));
    text += buffer;
  }
  return text;
}

// --resume: the run's own options and data (where --data says they are now, when given).
int resume(const Args& args) {
  for (const OptionSpec& option : kSpec.options)
    if (args.flag(option.name) && option.name != "resume" && option.name != "data" && option.name != "out" &&
        option.name != "json")
      throw UsageError("--resume continues the run with the options it was started with: --" + option.name +
                       " cannot be given with it");
  const std::string path = *args.get("resume");
  lenet5::TrainCheckpoint checkpoint = lenet5::load_checkpoint(path);
  std::string out = args.get("out", "");
  if (out.empty()) {
    constexpr std::string_view kSuffix = ".checkpoint";
    if (!path.ends_with(kSuffix))
      throw UsageError("--resume " + path + ": say where to save the model with --out (a run's checkpoint is OUT" +
                       std::string(kSuffix) + ")");
    out = path.substr(0, path.size() - kSuffix.size());
  }
  const bool json = args.flag("json");
  check_writable(out);
  std::vector<std::string> words = checkpoint.options.data_source;
  if (const auto moved = args.get("data")) {
    const auto data_option = std::find(words.begin(), words.end(), "--data");
    if (data_option == words.end() || data_option + 1 == words.end()) words.insert(words.end(), {"--data", *moved});
    else data_option[1] = *moved;
  }
  const TrainingData data = load_training_data(Args(kSpec, words));
  checkpoint.options.checkpoint_path = out + ".checkpoint";
  checkpoint.options.data_source = data.source;
  const int next_epoch = checkpoint.epochs_done + 1;
  if (!json)
    std::printf("resuming %s LeNet-5 at epoch %d on %zu images from %s (%s: %zu): %s\n",
                checkpoint.model.spec.preset.c_str(), next_epoch, data.train.count, data.folder.c_str(),
                data.held_out_name.c_str(), data.held_out.count, describe_run(checkpoint.options).c_str());
  return train_and_save(
      [&](const lenet5::TrainCallbacks& callbacks) {
        return lenet5::resume_training(checkpoint, data.train, &data.held_out, callbacks);
      },
      data, next_epoch, checkpoint.options.epochs, out, json);
}

int run(const Args& args) {
  if (args.get("resume")) return resume(args);
  const auto from = args.get("from");
  if (from)
    for (const std::string option : {"preset", "loss", "map-constant"})
      if (args.flag(option))
        throw UsageError("--from keeps the model's network: --" + option + " cannot be given with it");
  const std::string from_path = from ? model_path(args, *from) : "";
  lenet5::Model model;
  if (from) model = lenet5::load_model(from_path);
  const lenet5::NetworkSpec spec = from ? model.spec : network_from_options(args);
  lenet5::TrainOptions options = training_options(args, spec.preset);
  const std::string out = args.get("out", "lenet5.model");
  options.checkpoint_path = out + ".checkpoint";
  const bool json = args.flag("json");
  const auto input = args.get("input");
  const auto preparation = lenet5::parse_input_preparation(input.value_or("digit"));
  if (!preparation) throw UsageError("--input must be digit or plain");

  check_writable(out);
  const TrainingData data = load_training_data(args);
  options.data_source = data.source;
  std::string replaced;  // what replacing the output layer changed, if it was replaced
  if (from) {
    const std::size_t model_classes = lenet5::class_names(model).size(), data_classes = data.train.classes.size();
    if (lenet5::adapt_to_data(model, data.train, options.seed))
      replaced = model_classes == data_classes
                     ? "the data's classes are not the model's"
                     : std::to_string(model_classes) + " → " + std::to_string(data_classes) + " classes";
    if (input) model.preparation = *preparation;
  } else {
    // A network that cannot read the data is the options' fault: a usage error, not a failure of the run.
    try {
      lenet5::fit_to_data(spec, data.train.channels, int(data.train.classes.size()));
    } catch (const lenet5::Error& error) {
      throw UsageError(error.what());
    }
    model = lenet5::new_model_for(spec, data.train, options.seed);
    if (input) model.preparation = *preparation;
  }

  const std::string what = from ? "fine-tuning " + from_path : "training " + model.spec.preset + " LeNet-5";
  if (!json)
    std::printf("%s on %zu images from %s (%s: %zu): %s\n", what.c_str(), data.train.count, data.folder.c_str(),
                data.held_out_name.c_str(), data.held_out.count, describe_run(options).c_str());
  if (!replaced.empty()) std::fprintf(json ? stderr : stdout, "replaced the output layer: %s\n", replaced.c_str());
  lenet5::serialize_model(model);  // a model that cannot be saved fails now, not after training
  return train_and_save(
      [&](const lenet5::TrainCallbacks& callbacks) {
        lenet5::train(model, data.train, &data.held_out, options, callbacks);
        return model;
      },
      data, 1, options.epochs, out, json);
}

}  // namespace

const Command kTrain{kSpec, run};

}  // namespace cli
