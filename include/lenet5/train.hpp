#pragma once
// Training: minibatch gradient descent with threads over the batch. Deterministic: the same seed and the
// same thread count give a bit-identical model (per-thread gradients are reduced in a fixed order).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"

namespace lenet5 {

// sdlm: the paper's stochastic diagonal Levenberg-Marquardt (App. C): each parameter's step is
// lr / (μ + h_kk), h_kk its Gauss-Newton second derivative averaged over `curvature_samples` patterns before
// every pass.
enum class OptimizerKind { sgd, adam, sdlm };
// constant: lr throughout; cosine: lr · ½(1 + cos(π·t/T)) over all steps; step: lr halved every
// `step_epochs` epochs; paper: §III-B's schedule for SDLM, lr × 1 for passes 1–2, × 0.4 for 3–5, × 0.2 for
// 6–8, × 0.1 for 9–12, × 0.02 after (with lr = 0.0005: 0.0005, 0.0002, 0.0001, 0.00005, 0.00001).
enum class Schedule { constant, cosine, step, paper };

struct TrainOptions {
  // The defaults reach ≥ 99.0 % MNIST test accuracy with the modern preset (docs/training.md).
  int epochs = 5;
  int batch = 64;
  OptimizerKind optimizer = OptimizerKind::adam;
  float learning_rate = 3e-3f;
  Schedule schedule = Schedule::cosine;
  int step_epochs = 3;
  float momentum = 0.9f;  // SGD
  float weight_decay = 0.0f;
  // §III-B's distortions: each pass shows every example as one of its 10 instances (the original or one of
  // 9 random affine distortions, docs/distortions.md), so 20 passes see each of the 600,000 patterns twice.
  bool distortions = false;
  // Not the paper's: with distortions, each distorted instance's strokes are also thinned or thickened by
  // up to this many pixels each side (uniform), as people's pens differ from MNIST's. 0 = off.
  float stroke_change = 0.0f;
  // Not the paper's network but its segmentation's lesson (§VI-A): this many touching pairs per training
  // digit (0–1) added to the training set, labelled as no class (a uniform softmax target, or MAP's rubbish
  // class), so that a reader reading a number can tell two touching digits from one (docs/real-input.md).
  // For 28×28 digit datasets; 0 = off.
  float touching_pairs = 0.0f;
  float sdlm_mu = 0.02f;          // μ of App. C
  int curvature_samples = 500;    // patterns the SDLM curvature is averaged over before each pass
  std::uint64_t seed = 1;
  int threads = 0;                       // 0 = all cores
  // A checkpoint (save_checkpoint) written atomically after every epoch when not empty.
  std::string checkpoint_path;
  // How the front end read the training data, in its own words (the CLI: its data options): kept in the
  // checkpoint for resuming, never read by train().
  std::vector<std::string> data_source;
  bool operator==(const TrainOptions&) const = default;
};

// The training a preset is meant for: modern the defaults above; classic the paper's (§III-B): SDLM with
// its schedule, online (batch 1), 20 passes, one thread.
TrainOptions recommended_training(const std::string& preset);
// The learning rate each optimizer starts from by default: adam 0.003, sgd 0.05, sdlm 0.0005 (§III-B).
float default_learning_rate(OptimizerKind kind);

std::optional<OptimizerKind> parse_optimizer(const std::string& name);
std::optional<Schedule> parse_schedule(const std::string& name);
std::string to_string(OptimizerKind kind);
std::string to_string(Schedule schedule);

struct BatchProgress {
  int epoch = 0;
  std::size_t images_done = 0;
  std::size_t images_total = 0;
  double mean_loss = 0.0;       // over the epoch so far
  double seconds = 0.0;         // since the epoch started
};

struct EpochReport {
  int epoch = 0;
  double train_loss = 0.0;      // mean per image over the epoch, measured on the fly
  double train_accuracy = 0.0;  // on the fly, as the paper measures training error
  std::optional<double> held_out_accuracy;  // on the held-out set train() was given, if any
  double seconds = 0.0;         // the training loop alone (batch preparation included, evaluation not)
  double images_per_s = 0.0;
  float learning_rate = 0.0f;   // at the end of the epoch
};

struct TrainCallbacks {
  std::function<void(const BatchProgress&)> on_progress;  // called every few batches
  std::function<void(const EpochReport&)> on_epoch;
};

// Trains `model` in place on `train_data`; after each epoch evaluates on `held_out` (a test or validation set)
// when given.
// Throws lenet5::Error when the loss turns NaN or infinite (divergence), naming epoch and batch.
void train(Model& model, const Dataset& train_data, const Dataset* held_out, const TrainOptions& options,
           const TrainCallbacks& callbacks = {});

// A fresh model of `spec` for `data`: the network fitted to its channels and classes (fit_to_data), the
// modern preset's input standardised with the data's own statistics (for MNIST its old constants, 0.1307
// and 0.3081; the classic preset keeps the paper's −0.1 and 1.175, §II-B), parameters initialised from
// `seed`, and the data recorded: class names, dataset name, image shape, and how pictures are prepared
// (digit for grey pictures of the ten digits, else plain). Throws lenet5::Error when the network cannot read
// the data (fit_to_data).
Model new_model_for(const NetworkSpec& spec, const Dataset& data, std::uint64_t seed);

// Fine-tuning: `model` (a trained one) made ready to train on `data`. Its network, input scaling and
// parameters are kept, so its features see the new images as they saw the old; it takes the data's class
// names, dataset name and image shape. When the data's classes are not the model's (another count, or other
// names) its output layer is replaced by a fresh one, one output per class, initialised as initialize_model
// would from `seed`; the function then returns true. Throws lenet5::Error when the data's channels are not
// the model's, its images do not fit the input, or the output cannot be resized (the RBF output).
bool adapt_to_data(Model& model, const Dataset& data, std::uint64_t seed);

// What the optimizer carries from one step to the next: its step count, and its buffers one after the other
// (SGD's velocity; Adam's first then second moments; none for SDLM, whose curvature is re-estimated before
// every pass).
struct OptimizerState {
  std::vector<float> buffers;
  std::uint64_t steps = 0;
  bool operator==(const OptimizerState&) const = default;
};

// What a checkpoint records of the training data, to resume on the same examples only: their count and
// shape, and the CRC-32 of the images, of the labels and of the class names (each followed by a NUL).
struct DataFingerprint {
  std::uint64_t count = 0;
  Shape images;  // channels, rows, cols
  std::uint32_t classes = 0;
  std::uint32_t images_crc = 0, labels_crc = 0, class_names_crc = 0;
  bool operator==(const DataFingerprint&) const = default;
};
DataFingerprint fingerprint(const Dataset& data);

// A run after a whole epoch: everything resume_training needs to finish it as if it had never stopped.
struct TrainCheckpoint {
  Model model;           // after `epochs_done` epochs
  // The run's options; `threads` the count it ran on (not 0), `checkpoint_path` where it was read from.
  TrainOptions options;
  int epochs_done = 0;
  OptimizerState optimizer;
  DataFingerprint data;  // of the training set
};

// The checkpoint file (docs/model-format.md): versioned and checksummed, written atomically; it holds the
// model as a model file. Both throw lenet5::Error, load_checkpoint naming the file and what is wrong.
void save_checkpoint(const TrainCheckpoint& checkpoint, const std::string& path);
TrainCheckpoint load_checkpoint(const std::string& path);

// Continues the run `checkpoint` records from its next epoch, writing checkpoints on as it did, and returns
// the trained model: bit-identical to the run's had it not stopped, on the same kernels (the same machine, or
// the same LENET5_ISA). Throws lenet5::Error when `train_data` is not the data the run trained on.
Model resume_training(const TrainCheckpoint& checkpoint, const Dataset& train_data, const Dataset* held_out,
                      const TrainCallbacks& callbacks = {});

}  // namespace lenet5
