#include "lenet5/train.hpp"

#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>

#include "core/rng.hpp"
#include "core/thread_pool.hpp"
#include "data/input.hpp"
#include "lenet5/error.hpp"
#include "nn/loss.hpp"
#include "nn/network.hpp"
#include "nn/optimizer.hpp"
#include "prediction.hpp"

namespace lenet5 {

std::optional<OptimizerKind> parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::sgd;
  if (name == "adam") return OptimizerKind::adam;
  return std::nullopt;
}

std::optional<Schedule> parse_schedule(const std::string& name) {
  if (name == "constant") return Schedule::constant;
  if (name == "cosine") return Schedule::cosine;
  if (name == "step") return Schedule::step;
  return std::nullopt;
}

std::string to_string(OptimizerKind kind) { return kind == OptimizerKind::sgd ? "sgd" : "adam"; }

std::string to_string(Schedule schedule) {
  switch (schedule) {
    case Schedule::constant: return "constant";
    case Schedule::cosine: return "cosine";
    case Schedule::step: return "step";
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void validate(const Model& model, const Dataset& train_data, const TrainOptions& options) {
  if (options.epochs < 1) throw Error("epochs must be at least 1");
  if (options.batch < 1 || options.batch > 65536) throw Error("batch size must be 1–65536");
  if (!(options.learning_rate > 0.0f) || !std::isfinite(options.learning_rate))
    throw Error("learning rate must be a positive number");
  if (options.step_epochs < 1) throw Error("step schedule period must be at least 1 epoch");
  if (options.threads < 0) throw Error("thread count must be 0 (all cores) or more");
  if (train_data.count == 0) throw Error("the training set is empty");
  InputEncoder(model.spec).check_size(train_data.cols, train_data.rows);
}

float learning_rate_at(const TrainOptions& options, long step, long total_steps, int epoch) {
  switch (options.schedule) {
    case Schedule::constant: return options.learning_rate;
    case Schedule::cosine:
      return options.learning_rate * 0.5f *
             float(1.0 + std::cos(std::numbers::pi * double(step) / double(std::max(total_steps, 1L))));
    case Schedule::step: return options.learning_rate * std::pow(0.5f, float(epoch / options.step_epochs));
  }
  return options.learning_rate;
}

// Everything one thread needs for its share of a batch.
struct ThreadState {
  nn::Network<float>::Workspace workspace;
  std::vector<float> input;
  std::vector<std::uint8_t> labels;
  std::vector<float> grad;
  nn::LossResult loss;
};

}  // namespace

void train(Model& model, const Dataset& train_data, const Dataset* test_data, const TrainOptions& options,
           const TrainCallbacks& callbacks) {
  validate(model, train_data, options);
  const nn::Network<float> network(model.spec);
  if (model.parameters.size() != network.parameter_count()) throw Error("model parameters do not fit its network");
  const InputEncoder encoder(model.spec);
  const int classes = network.output_size();
  for (std::uint8_t label : train_data.labels)
    if (label >= classes) throw Error("a training label exceeds the network's class count");

  ThreadPool pool(options.threads);
  const int threads = pool.size();
  const int share = (options.batch + threads - 1) / threads;
  std::vector<ThreadState> states(threads);
  for (auto& state : states) {
    state.workspace = network.make_workspace(share, true);
    state.input.resize(std::size_t(share) * network.input_size());
    state.labels.resize(share);
    state.grad.resize(network.parameter_count());
  }
  std::vector<float*> gradients;
  for (auto& state : states) gradients.push_back(state.grad.data());
  auto optimizer = nn::make_optimizer(options, network.parameter_count());

  Rng rng(options.seed);
  std::vector<std::uint32_t> order(train_data.count);
  std::iota(order.begin(), order.end(), 0u);
  const long steps_per_epoch = long((train_data.count + options.batch - 1) / options.batch);
  const long total_steps = steps_per_epoch * options.epochs;
  long step = 0;
  float learning_rate = options.learning_rate;

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(std::uint32_t(i))]);
    const auto start = Clock::now();
    double loss_sum = 0.0;
    std::size_t correct = 0, done = 0;
    for (long batch_index = 0; batch_index < steps_per_epoch; ++batch_index, ++step) {
      const std::size_t first = std::size_t(batch_index) * options.batch;
      const int batch = static_cast<int>(std::min<std::size_t>(options.batch, train_data.count - first));
      // Each thread takes a fixed share of the batch, so results depend on the thread count, never on timing.
      pool.run([&](int task) {
        ThreadState& state = states[task];
        const int begin = batch * task / threads, end = batch * (task + 1) / threads, count = end - begin;
        std::fill(state.grad.begin(), state.grad.end(), 0.0f);
        state.loss = {};
        if (count == 0) return;
        for (int i = 0; i < count; ++i) {
          const std::uint32_t example = order[first + begin + i];
          encoder.encode(train_data.image(example).data(), train_data.cols, train_data.rows,
                         state.input.data() + std::size_t(i) * network.input_size());
          state.labels[i] = train_data.labels[example];
        }
        const float* output = network.forward(model.parameters.data(), state.input.data(), count, state.workspace);
        float* output_grad = network.output_gradient(state.workspace);
        state.loss = nn::softmax_cross_entropy(output, state.labels.data(), count, classes, 1.0f / float(batch),
                                               output_grad);
        network.backward(model.parameters.data(), state.input.data(), count, state.workspace, state.grad.data());
      });
      double batch_loss = 0.0;
      for (const auto& state : states) {
        batch_loss += state.loss.sum;
        correct += state.loss.correct;
      }
      // Cross-entropy starts near ln(classes); a mean far above that means the weights have blown up even
      // when the arithmetic has not overflowed yet.
      constexpr double kDivergedMeanLoss = 1000.0;
      if (!std::isfinite(batch_loss) || batch_loss / batch > kDivergedMeanLoss)
        throw Error("training diverged in epoch " + std::to_string(epoch) + ", batch " +
                    std::to_string(batch_index + 1) + ": the loss is " + std::to_string(batch_loss) +
                    " (try a lower learning rate)");
      loss_sum += batch_loss;
      done += batch;
      learning_rate = learning_rate_at(options, step, total_steps, epoch - 1);
      optimizer->step(model.parameters, gradients, learning_rate, pool);
      if (callbacks.on_progress && (batch_index % 16 == 15 || batch_index + 1 == steps_per_epoch))
        callbacks.on_progress({epoch, done, train_data.count, loss_sum / double(done), seconds_since(start)});
    }
    EpochReport report;
    report.epoch = epoch;
    report.seconds = seconds_since(start);
    report.train_loss = loss_sum / double(train_data.count);
    report.train_accuracy = double(correct) / double(train_data.count);
    report.images_per_s = double(train_data.count) / report.seconds;
    report.learning_rate = learning_rate;
    if (test_data) {
      const auto predictions = predict_dataset(network, model.parameters.data(), *test_data, pool);
      std::size_t right = 0;
      for (std::size_t i = 0; i < predictions.size(); ++i) right += predictions[i] == test_data->labels[i];
      report.test_accuracy = double(right) / double(test_data->count);
    }
    if (!options.checkpoint_path.empty()) save_model(model, options.checkpoint_path);
    if (callbacks.on_epoch) callbacks.on_epoch(report);
  }
}

}  // namespace lenet5
