#include "lenet5/evaluate.hpp"

#include <algorithm>
#include <limits>

#include "data/input.hpp"
#include "lenet5/error.hpp"
#include "nn/loss.hpp"
#include "prediction.hpp"

namespace lenet5 {

DatasetPredictions predict_dataset(const nn::Network<float>& network, const float* parameters, const Dataset& data,
                                   ThreadPool& pool) {
  const InputEncoder encoder(network.spec());
  encoder.check_size(data.cols, data.rows);
  constexpr int kChunk = 256;
  const int classes = network.output_size();
  const bool penalties = outputs_are_penalties(network.spec());
  DatasetPredictions result{std::vector<int>(data.count), std::vector<float>(data.count)};
  // Threads take batches of 256 in turn and run each forward nn::kCacheBatch images at a time.
  constexpr int kForward = nn::kCacheBatch;
  pool.run([&](int task) {
    auto workspace = network.make_workspace(kForward, false);
    std::vector<float> input(std::size_t(kForward) * network.input_size());
    for (std::size_t batch = std::size_t(task) * kChunk; batch < data.count; batch += std::size_t(pool.size()) * kChunk)
      for (std::size_t first = batch; first < std::min(batch + kChunk, data.count); first += kForward) {
        const int count = static_cast<int>(std::min<std::size_t>({kForward, data.count - first, batch + kChunk - first}));
        for (int i = 0; i < count; ++i)
          encoder.encode(data.image(first + i).data(), data.cols, data.rows,
                         input.data() + std::size_t(i) * network.input_size());
        const float* scores = network.forward(parameters, input.data(), count, workspace);
        for (int i = 0; i < count; ++i) {
          const float* outputs = scores + std::size_t(i) * classes;
          const int best = nn::predicted_class(outputs, classes, penalties);
          float gap = std::numeric_limits<float>::infinity();
          for (int c = 0; c < classes; ++c)
            if (c != best) gap = std::min(gap, penalties ? outputs[c] - outputs[best] : outputs[best] - outputs[c]);
          result.classes[first + i] = best;
          result.margins[first + i] = gap;
        }
      }
  });
  return result;
}

Evaluation evaluate(const Model& model, const Dataset& data, int threads) {
  const nn::Network<float> network(model.spec);
  if (model.parameters.size() != network.parameter_count()) throw Error("model parameters do not fit its network");
  if (data.count == 0) throw Error("cannot evaluate on an empty dataset");
  data.check_consistent("evaluation set");
  ThreadPool pool(threads);
  Evaluation result;
  DatasetPredictions predictions = predict_dataset(network, model.parameters.data(), data, pool);
  result.predictions = std::move(predictions.classes);
  result.margins = std::move(predictions.margins);
  const int classes = network.output_size();
  result.count = data.count;
  result.confusion.assign(classes, std::vector<std::size_t>(classes, 0));
  for (std::size_t i = 0; i < data.count; ++i) {
    if (data.labels[i] >= classes) throw Error("a label exceeds the network's class count");
    ++result.confusion[data.labels[i]][result.predictions[i]];
  }
  result.precision.assign(classes, 0.0);
  result.recall.assign(classes, 0.0);
  for (int c = 0; c < classes; ++c) {
    std::size_t predicted = 0, actual = 0;
    for (int other = 0; other < classes; ++other) {
      predicted += result.confusion[other][c];
      actual += result.confusion[c][other];
    }
    result.correct += result.confusion[c][c];
    if (predicted) result.precision[c] = double(result.confusion[c][c]) / double(predicted);
    if (actual) result.recall[c] = double(result.confusion[c][c]) / double(actual);
  }
  result.accuracy = double(result.correct) / double(result.count);
  return result;
}

}  // namespace lenet5
