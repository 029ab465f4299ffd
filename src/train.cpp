#include "lenet5/train.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <utility>

#include "core/rng.hpp"
#include "core/thread_pool.hpp"
#include "data/distortion.hpp"
#include "data/input.hpp"
#include "data/touching_pairs.hpp"
#include "io/file_bytes.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "nn/loss.hpp"
#include "nn/network.hpp"
#include "nn/optimizer.hpp"
#include "schedule.hpp"

namespace lenet5 {
namespace {

constexpr std::array<std::pair<OptimizerKind, const char*>, 3> kOptimizerNames = {
    {{OptimizerKind::sgd, "sgd"}, {OptimizerKind::adam, "adam"}, {OptimizerKind::sdlm, "sdlm"}}};
constexpr std::array<std::pair<Schedule, const char*>, 4> kScheduleNames = {
    {{Schedule::constant, "constant"}, {Schedule::cosine, "cosine"}, {Schedule::step, "step"}, {Schedule::paper, "paper"}}};

template <class Enum, std::size_t N>
std::optional<Enum> find_by_name(const std::array<std::pair<Enum, const char*>, N>& names, const std::string& name) {
  for (const auto& [value, text] : names)
    if (name == text) return value;
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string name_of(const std::array<std::pair<Enum, const char*>, N>& names, Enum value) {
  for (const auto& [candidate, text] : names)
    if (candidate == value) return text;
  return "?";
}

}  // namespace

std::optional<OptimizerKind> parse_optimizer(const std::string& name) { return find_by_name(kOptimizerNames, name); }
std::optional<Schedule> parse_schedule(const std::string& name) { return find_by_name(kScheduleNames, name); }
std::string to_string(OptimizerKind kind) { return name_of(kOptimizerNames, kind); }
std::string to_string(Schedule schedule) { return name_of(kScheduleNames, schedule); }

float default_learning_rate(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd: return 0.05f;
    case OptimizerKind::adam: return 0.003f;
    case OptimizerKind::sdlm: return 0.0005f;
  }
  return 0.001f;
}

TrainOptions recommended_training(const std::string& preset) {
  TrainOptions options;
  if (preset == "classic") {
    options.optimizer = OptimizerKind::sdlm;
    options.schedule = Schedule::paper;
    options.learning_rate = default_learning_rate(OptimizerKind::sdlm);
    options.batch = 1;
    options.epochs = 20;
    options.threads = 1;
  }
  return options;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void validate(const Model& model, const Dataset& train_data, const Dataset* held_out, const TrainOptions& options) {
  if (options.epochs < 1) throw Error("epochs must be at least 1");
  if (options.batch < 1 || options.batch > 65536) throw Error("batch size must be 1–65536");
  if (!(options.learning_rate > 0.0f) || !std::isfinite(options.learning_rate))
    throw Error("learning rate must be a positive number");
  if (options.step_epochs < 1) throw Error("step schedule period must be at least 1 epoch");
  if (options.threads < 0) throw Error("thread count must be 0 (all cores) or more");
  if (!(options.sdlm_mu > 0.0f)) throw Error("the SDLM μ must be positive");
  if (options.curvature_samples < 1) throw Error("the SDLM curvature needs at least 1 sample");
  if (options.threads > 1024) throw Error("at most 1024 threads");
  if (!(options.stroke_change >= 0.0f && options.stroke_change <= 3.0f))
    throw Error("the stroke width change must be 0–3 pixels");
  if (options.stroke_change > 0.0f && !options.distortions)
    throw Error("a stroke width change is made on the distorted instances: it needs distortions");
  if (!(options.touching_pairs >= 0.0f && options.touching_pairs <= 1.0f))
    throw Error("touching pairs are 0–1 per training digit");
  if (options.touching_pairs > 0.0f && model.spec.loss == LossKind::mse)
    throw Error("touching pairs are trained as no class, which the MSE criterion (eq. 8) has no term for");
  if (options.touching_pairs > 0.0f && model.preparation != InputPreparation::digit)
    throw Error("touching pairs are made for digit models (pictures prepared as MNIST's)");
  if (train_data.count == 0) throw Error("the training set is empty");
  const int classes = class_count(model.spec);
  for (const auto& [data, what] : {std::pair{&train_data, "training set"}, std::pair{held_out, "held-out set"}}) {
    if (!data) continue;
    if (data->count == 0) throw Error(std::string("the ") + what + " is empty");
    data->check_consistent(what);
    check_channels(model.spec, data->channels);
    InputEncoder(model.spec).check_size(data->cols, data->rows);
    if (data->classes.size() != std::size_t(classes))
      throw Error(std::string("the ") + what + " has " + std::to_string(data->classes.size()) +
                  " classes but the network has " + std::to_string(classes) + " outputs");
  }
  // The distortions move ink on a background of 0 (docs/distortions.md): grey images only.
  if (options.distortions && train_data.channels != 1)
    throw Error("distortions are made for grey images; these have " + std::to_string(train_data.channels) + " channels");
}

// Everything one thread needs for its share of a batch.
struct ThreadState {
  nn::Network<float>::Workspace workspace;
  std::vector<float> input;
  std::vector<std::uint8_t> labels;
  std::vector<std::uint8_t> distorted;  // one image's bytes, with distortions
  std::vector<float> grad;  // the gradient of its share, or the curvature sum while estimating it
  nn::LossResult loss;
};

class Trainer {
 public:
  Trainer(Model& model, const Dataset& data, const TrainOptions& options)
      : model_(model), data_(data), options_(options), network_(nn::network_for(model)), encoder_(model.spec),
        pool_(options.threads),
        share_(std::min((options.batch + pool_.size() - 1) / pool_.size(), nn::kCacheBatch)) {
    states_.resize(pool_.size());
    for (auto& state : states_) {
      state.workspace = network_.make_workspace(share_, true);
      state.input.resize(std::size_t(share_) * network_.input_size());
      state.labels.resize(share_);
      state.distorted.resize(std::size_t(data.rows) * data.cols);
      state.grad.resize(network_.parameter_count());
      gradients_.push_back(state.grad.data());
    }
    optimizer_ = nn::make_optimizer(options, network_.parameter_count());
  }

  // The pass (0-based) being trained: it picks each example's distorted instance.
  void start_pass(int pass) { pass_ = static_cast<std::uint32_t>(pass); }

  // The gradient of examples order[first, first + batch): each thread takes a fixed share of the batch, in
  // chunks of at most nn::kCacheBatch, so results depend on the thread count, never on timing. Returns the batch's
  // summed loss and correct count.
  nn::LossResult compute_gradients(const std::vector<std::uint32_t>& order, std::size_t first, int batch) {
    pool_.run([&](int task) {
      ThreadState& state = states_[task];
      const int begin = batch * task / pool_.size(), end = batch * (task + 1) / pool_.size();
      std::fill(state.grad.begin(), state.grad.end(), 0.0f);
      state.loss = {};
      for (int chunk = begin; chunk < end; chunk += share_) {
        const int count = std::min(share_, end - chunk);
        const nn::LossResult loss = forward_loss(state, order.data() + first + chunk, count, 1.0f / float(batch), false);
        network_.backward(model_.parameters.data(), state.input.data(), count, state.workspace, state.grad.data());
        state.loss.sum += loss.sum;
        state.loss.correct += loss.correct;
      }
    });
    nn::LossResult total;
    for (const auto& state : states_) {
      total.sum += state.loss.sum;
      total.correct += state.loss.correct;
    }
    return total;
  }

  void update(float learning_rate) { optimizer_->step(model_.parameters, gradients_, learning_rate, pool_); }

  int threads() const { return pool_.size(); }
  OptimizerState optimizer_state() { return optimizer_->state(); }
  void restore_optimizer(const OptimizerState& state) { optimizer_->restore(state); }

  // For SDLM (App. C): each parameter's Gauss-Newton second derivative, averaged over `count` patterns.
  void estimate_curvature(const std::vector<std::uint32_t>& order, std::size_t count) {
    if (!optimizer_->needs_curvature()) return;
    pool_.run([&](int task) {
      ThreadState& state = states_[task];
      std::fill(state.grad.begin(), state.grad.end(), 0.0f);
      const std::size_t begin = count * task / pool_.size(), end = count * (task + 1) / pool_.size();
      for (std::size_t first = begin; first < end; first += share_) {
        const int chunk = static_cast<int>(std::min<std::size_t>(share_, end - first));
        forward_loss(state, order.data() + first, chunk, 1.0f / float(count), true);
        network_.backward_curvature(model_.parameters.data(), state.input.data(), chunk, state.workspace,
                                    state.grad.data());
      }
    });
    for (std::size_t t = 1; t < states_.size(); ++t)
      for (std::size_t i = 0; i < states_[0].grad.size(); ++i) states_[0].grad[i] += states_[t].grad[i];
    optimizer_->set_curvature(states_[0].grad);
  }

 private:
  // Encodes the examples, runs forward and writes the loss's derivative (and curvature) for backward.
  nn::LossResult forward_loss(ThreadState& state, const std::uint32_t* examples, int count, float scale,
                              bool curvature) {
    for (int i = 0; i < count; ++i) {
      const std::uint8_t* pixels = data_.image(examples[i]).data();
      if (options_.distortions) {
        const std::uint32_t instance = instance_in_pass(options_.seed, examples[i], pass_);
        make_instance(ranges_, options_.seed, examples[i], instance, pixels, data_.cols, data_.rows,
                      state.distorted.data());
        pixels = state.distorted.data();
      }
      encoder_.encode(pixels, data_.cols, data_.rows, state.input.data() + std::size_t(i) * network_.input_size());
      state.labels[i] = data_.labels[examples[i]];
    }
    const float* output = network_.forward(model_.parameters.data(), state.input.data(), count, state.workspace);
    // SDLM's curvature under the MAP criterion (eq. 9) is that of its first term, the MSE criterion's y_D
    // (eq. 8): App. C gives the output's second derivative for MSE only, ∂²E/∂x_j² = 2, and we keep it. (The
    // full MAP curvature, 2(1 − Σp) plus the log-sum-exp's, shrinks as p_D grows, so every step grows as the
    // network learns; docs/classic.md has the measurements.) The gradient stays MAP's.
    const LossKind kind = curvature && model_.spec.loss == LossKind::map ? LossKind::mse : model_.spec.loss;
    return nn::compute_loss(kind, model_.spec.map_constant, output, state.labels.data(), count,
                            network_.output_size(), scale, network_.output_gradient(state.workspace),
                            curvature ? network_.output_curvature(state.workspace) : nullptr);
  }

  Model& model_;
  const Dataset& data_;
  const TrainOptions& options_;
  const DistortionRanges ranges_ = {.max_stroke = options_.stroke_change};
  nn::Network<float> network_;
  InputEncoder encoder_;
  ThreadPool pool_;
  int share_;  // examples a thread runs forward and backward at once: its share, at most nn::kCacheBatch
  std::uint32_t pass_ = 0;
  std::vector<ThreadState> states_;
  std::vector<float*> gradients_;
  std::unique_ptr<nn::Optimizer> optimizer_;
};

// Trains epochs epochs_done + 1 to options.epochs, the optimizer starting from `optimizer` (when
// epochs_done > 0). Each epoch's order is the previous one's shuffled again, so the orders of the epochs
// done are replayed: it costs a few milliseconds, and stores nothing.
void train_from(Model& model, const Dataset& train_data, const Dataset* held_out, const TrainOptions& options,
                int epochs_done, const OptimizerState& optimizer, const TrainCallbacks& callbacks) {
  validate(model, train_data, held_out, options);
  // The examples trained on: the training set, and after it any touching pairs (no class).
  const Dataset with_pairs = options.touching_pairs > 0.0f
                                 ? with_touching_pairs(train_data, options.touching_pairs, options.seed)
                                 : Dataset{};
  const Dataset& examples = options.touching_pairs > 0.0f ? with_pairs : train_data;
  Trainer trainer(model, examples, options);
  if (epochs_done > 0) trainer.restore_optimizer(optimizer);
  // Reads the parameters as training changes them.
  const std::optional<Classifier> held_out_classifier =
      held_out ? std::optional<Classifier>(Classifier::borrowing(model)) : std::nullopt;
  TrainCheckpoint checkpoint;
  if (!options.checkpoint_path.empty()) {
    checkpoint.options = options;
    checkpoint.options.threads = trainer.threads();  // "all cores" may be another count where it resumes
    checkpoint.data = fingerprint(train_data);
  }

  Rng rng(options.seed);
  std::vector<std::uint32_t> order(examples.count);
  std::iota(order.begin(), order.end(), 0u);
  const long steps_per_epoch = long((examples.count + options.batch - 1) / options.batch);
  const long total_steps = steps_per_epoch * options.epochs;
  long step = steps_per_epoch * epochs_done;
  float learning_rate = options.learning_rate;

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(std::uint32_t(i))]);
    if (epoch <= epochs_done) continue;
    const auto start = Clock::now();
    trainer.start_pass(epoch - 1);
    // App. C: the curvature is re-estimated on a few hundred patterns before each pass (here the first ones
    // of this pass's order) and kept fixed during it.
    trainer.estimate_curvature(order, std::min<std::size_t>(options.curvature_samples, examples.count));
    double loss_sum = 0.0;
    std::size_t correct = 0, done = 0;
    for (long batch_index = 0; batch_index < steps_per_epoch; ++batch_index, ++step) {
      const std::size_t first = std::size_t(batch_index) * options.batch;
      const int batch = static_cast<int>(std::min<std::size_t>(options.batch, examples.count - first));
      const nn::LossResult result = trainer.compute_gradients(order, first, batch);
      // Cross-entropy starts near ln(classes) and RBF penalties stay below ~620; a mean far above that
      // means the weights have blown up even when the arithmetic has not overflowed yet.
      constexpr double kDivergedMeanLoss = 1000.0;
      if (!std::isfinite(result.sum) || result.sum / batch > kDivergedMeanLoss)
        throw Error("training diverged in epoch " + std::to_string(epoch) + ", batch " +
                    std::to_string(batch_index + 1) + ": the mean loss is " + std::to_string(result.sum / batch) +
                    " (try a lower learning rate)");
      learning_rate = learning_rate_at(options, step, total_steps, epoch - 1);
      trainer.update(learning_rate);
      loss_sum += result.sum;
      correct += result.correct;
      done += batch;
      if (callbacks.on_progress && (batch_index % 16 == 15 || batch_index + 1 == steps_per_epoch))
        callbacks.on_progress({epoch, done, examples.count, loss_sum / double(done), seconds_since(start)});
    }
    EpochReport report;
    report.epoch = epoch;
    report.seconds = seconds_since(start);
    report.train_loss = loss_sum / double(examples.count);
    // Of the training digits: a touching pair is never counted correct.
    report.train_accuracy = double(correct) / double(train_data.count);
    report.images_per_s = double(examples.count) / report.seconds;
    report.learning_rate = learning_rate;
    if (held_out) report.held_out_accuracy = evaluate(*held_out_classifier, *held_out, options.threads).accuracy;
    if (!options.checkpoint_path.empty()) {
      checkpoint.model = model;
      checkpoint.epochs_done = epoch;
      checkpoint.optimizer = trainer.optimizer_state();
      save_checkpoint(checkpoint, options.checkpoint_path);
    }
    if (callbacks.on_epoch) callbacks.on_epoch(report);
  }
}

std::string describe(const DataFingerprint& data) {
  return std::to_string(data.count) + " images of " + std::to_string(data.images.channels) + "x" +
         std::to_string(data.images.height) + "x" + std::to_string(data.images.width) + " in " +
         std::to_string(data.classes) + " classes";
}

void check_same_data(const DataFingerprint& run, const DataFingerprint& given) {
  if (run == given) return;
  const std::string start = "these are not the training data the run was checkpointed on: ";
  if (run.count != given.count || run.images != given.images || run.classes != given.classes)
    throw Error(start + "it trained on " + describe(run) + ", these are " + describe(given));
  const std::string what = run.images_crc != given.images_crc ? "images"
                           : run.labels_crc != given.labels_crc ? "labels"
                                                                : "class names";
  throw Error(start + "as many images of the same shape, but other " + what);
}

}  // namespace

Model new_model_for(const NetworkSpec& spec, const Dataset& data, std::uint64_t seed) {
  NetworkSpec fitted = fit_to_data(spec, data.channels, int(data.classes.size()));
  if (fitted.preset == "modern") fitted.scaling = standardizing_scaling(data);
  Model model = initialize_model(fitted, seed);
  const bool digits = data.channels == 1 && data.classes == digit_class_names();
  model.preparation = digits ? InputPreparation::digit : InputPreparation::plain;
  model.classes = data.classes;
  model.dataset = data.name;
  model.image_shape = {data.channels, data.rows, data.cols};
  return model;
}

bool adapt_to_data(Model& model, const Dataset& data, std::uint64_t seed) {
  check_channels(model.spec, data.channels);
  InputEncoder(model.spec).check_size(data.cols, data.rows);
  const bool replace_output = class_names(model) != data.classes;
  if (replace_output) {
    Model fresh = initialize_model(fit_to_data(model.spec, data.channels, int(data.classes.size())), seed);
    // Layers are laid out in order, and only the last one changes size.
    const std::size_t kept = nn::network_for(fresh).parameter_offset(fresh.spec.layers.size() - 1);
    std::copy_n(model.parameters.begin(), kept, fresh.parameters.begin());
    model.spec = std::move(fresh.spec);
    model.parameters = std::move(fresh.parameters);
  }
  model.classes = data.classes;
  model.dataset = data.name;
  model.image_shape = {data.channels, data.rows, data.cols};
  return replace_output;
}

DataFingerprint fingerprint(const Dataset& data) {
  std::string names;
  for (const std::string& name : data.classes) names += name + '\0';
  return {.count = data.count,
          .images = {data.channels, data.rows, data.cols},
          .classes = static_cast<std::uint32_t>(data.classes.size()),
          .images_crc = crc32_of(data.images.data(), data.images.size()),
          .labels_crc = crc32_of(data.labels.data(), data.labels.size()),
          .class_names_crc = crc32_of(reinterpret_cast<const std::uint8_t*>(names.data()), names.size())};
}

void train(Model& model, const Dataset& train_data, const Dataset* held_out, const TrainOptions& options,
           const TrainCallbacks& callbacks) {
  train_from(model, train_data, held_out, options, 0, {}, callbacks);
}

Model resume_training(const TrainCheckpoint& checkpoint, const Dataset& train_data, const Dataset* held_out,
                      const TrainCallbacks& callbacks) {
  check_same_data(checkpoint.data, fingerprint(train_data));
  Model model = checkpoint.model;
  train_from(model, train_data, held_out, checkpoint.options, checkpoint.epochs_done, checkpoint.optimizer,
             callbacks);
  return model;
}

}  // namespace lenet5
