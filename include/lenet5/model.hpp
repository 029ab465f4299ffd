#pragma once
// A trained (or freshly initialised) network: its description, its parameters in one flat buffer, and how
// the pictures it reads are to be prepared.
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/network_spec.hpp"
#include "lenet5/preprocess.hpp"

namespace lenet5 {

struct Model {
  NetworkSpec spec;
  std::vector<float> parameters;  // layer by layer, in the order summarize() lists them
  // What its training data were: handwritten digits (MNIST's procedure, also what a model file of format
  // version 1 means) or other pictures (letterboxed whole). Reading a picture applies it (prepare_input).
  InputPreparation preparation = InputPreparation::digit;
  // The name of each class, by output index (any UTF-8); empty means they are unnamed: "0", "1", … (the
  // digits of a model file of format version 1 or 2).
  std::vector<std::string> classes;
  std::string dataset;  // the name of the data it was trained on; empty when unknown
  // The shape of the images it was trained on (channels, rows, cols), each centred on the network's input:
  // a picture to classify is prepared to it.
  Shape image_shape{1, 28, 28};
};

// The model's class names: Model::classes, or "0", "1", … for each output when it has none.
std::vector<std::string> class_names(const Model& model);

// The image shape a model has unless told otherwise (a new one, a file of format version 1 or 2): the
// input less a 2-pixel border each side (MNIST's 28×28 on the 32×32 input) when the input is at least
// 32×32, else the whole input.
Shape default_image_shape(const NetworkSpec& spec);

// Parameters drawn for the spec's activations (He for ReLU, ±2.4/√fan-in for squashing units: App. A's aim,
// docs/classic.md), deterministic for a seed; its image shape is default_image_shape(spec).
Model initialize_model(const NetworkSpec& spec, std::uint64_t seed);

// Writes the versioned, checksummed model file (docs/model-format.md) atomically: to a temporary file in
// the same folder, flushed, then renamed over `path`. Throws lenet5::Error.
void save_model(const Model& model, const std::string& path);
// Reads and validates a model file: magic, version, sizes, checksum, that the parameters fit the spec.
Model load_model(const std::string& path);

// Whether the file at `path` starts like a model file (its magic bytes); false when it cannot be read.
bool is_model_file(const std::string& path);

// In-memory forms of the same file format (used by save/load; handy for tests and future front ends).
std::vector<std::uint8_t> serialize_model(const Model& model);
Model deserialize_model(const std::vector<std::uint8_t>& bytes, const std::string& source_name);

}  // namespace lenet5
