#pragma once
// Exporting a trained network to run without this library (docs/export.md), built on Classifier::layers()
// alone. The lenet5_export library (lenet5::export where installed); one section per format.
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/classifier.hpp"

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

}  // namespace lenet5
