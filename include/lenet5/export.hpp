#pragma once
// Exporting a trained network to run without this library (docs/export.md), built on Classifier::layers()
// alone. The lenet5_export library (lenet5::export where installed); one section per format.
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"

namespace lenet5 {

// ---- ONNX (opset 13, IR version 7) ----
// One input, "image": [N, C, H, W] float (model().spec.input; 1×32×32 for both presets), the prepared image
// centred on the input canvas with pixels in [0, 1] (0 = background, bytes / 255); the model's input scaling
// is part of the graph. Outputs: "scores" [N, classes], the highest the predicted class; for an RBF output
// layer (the classic preset) these are the negated penalties, and a second output "penalties" gives them.
// Throws lenet5::Error for a network the exporter cannot express.
std::vector<std::uint8_t> onnx_model(const Classifier& classifier);
// Writes onnx_model(classifier) to `path` atomically. Throws lenet5::Error naming the path.
void export_onnx(const Classifier& classifier, const std::string& path);

// ---- C for microcontrollers (C99; float32 or int8) ----
// PREFIX_model.h and PREFIX_model.c: the weights as const arrays and one function PREFIX_classify(image)
// taking the model's image bytes (MNIST-style: 0 = background), a PREFIX_scores variant, no malloc and no
// writable globals (the activations live on the caller's stack). float32 computes as the Classifier does;
// int8 in integers alone at inference.
struct CExportOptions {
  // Starts every external name: PREFIX_classify, PREFIX_MODEL_H, PREFIX_INPUT_WIDTH, the files PREFIX_model.h/.c
  // (upper-cased in macros), so that two models link into one program. A C identifier of at most 32 characters.
  std::string prefix = "lenet5";
  // Lines for the files' opening comment: where the model came from, its accuracy.
  std::vector<std::string> notes;
};

// The two files, by name (PREFIX_model.h, PREFIX_model.c) and contents.
struct CSource {
  std::string header_name, header;
  std::string source_name, source;
};

// float32 C. Throws lenet5::Error for a bad prefix or a network the export cannot express.
CSource c_float_source(const Classifier& classifier, const CExportOptions& options);

// int8 C: weights quantised per output channel, activations calibrated on `calibration` (images of the model's
// image shape; the CLI takes the first 1,000 training images), integer arithmetic throughout. Throws
// lenet5::Error as c_float_source does, and for calibration images that do not fit the model.
CSource c_int8_source(const Classifier& classifier, const Dataset& calibration, const CExportOptions& options);

// Writes the two files into `folder`, creating it if needed, each atomically. Refuses (lenet5::Error, nothing
// written) a folder that holds anything but these two files: it never deletes or overwrites a user's files.
void write_c_source(const CSource& source, const std::string& folder);

}  // namespace lenet5
