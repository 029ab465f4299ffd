#include "lenet5/evaluate.hpp"

#include "lenet5/error.hpp"

namespace lenet5 {

Evaluation evaluate(const Model& model, const Dataset& data, int threads) {
  return evaluate(Classifier::borrowing(model), data, threads);
}

Evaluation evaluate(const Classifier& classifier, const Dataset& data, int threads) {
  if (data.count == 0) throw Error("cannot evaluate on an empty dataset");
  data.check_consistent("evaluation set");
  Evaluation result;
  DatasetPredictions predictions = classifier.predict(data, threads);
  result.predictions = std::move(predictions.labels);
  result.margins = std::move(predictions.margins);
  result.confidences = std::move(predictions.confidences);
  const int classes = classifier.classes();
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
