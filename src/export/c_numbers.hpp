#pragma once
// The C export's two kinds of number: what the generated program (c_source.cpp) asks of each. float32 computes
// as the Classifier does; int8 in integers alone, from a QuantizedNetwork (c_quantize.hpp).
#include <memory>
#include <string>
#include <vector>

#include "export/c_quantize.hpp"
#include "lenet5/layer_info.hpp"

namespace lenet5::c_export {

// One layer as the generated code sees it.
struct Layer {
  const LayerInfo& info;
  std::size_t index = 0;  // its place in Classifier::layers()
  std::string name;       // its C name: c1, s2, …, output
};

// The C types of one kind of number.
struct CTypes {
  std::string kind;  // for comments: "float32", "int8"
  std::string canvas, value, accumulator, score, weight, bias;
  int value_bytes = 0;  // of canvas and value
};

class Numbers {
 public:
  explicit Numbers(CTypes c_types) : types(std::move(c_types)) {}
  virtual ~Numbers() = default;
  const CTypes types;
  // Header lines beyond the common ones (#includes, macros).
  virtual std::string header_extras(const std::string& macro) const = 0;
  // What the C file needs from outside (for the opening comment); empty when nothing.
  virtual std::string libraries(const std::vector<LayerInfo>& layers) const = 0;
  // The static functions the layers call: activations, rescaling, tables.
  virtual std::string helpers(const std::vector<LayerInfo>& layers) const = 0;
  // The statement that puts input byte `byte` of channel `c` on the canvas at `place`.
  virtual std::string encode(const std::string& place, const std::string& byte) const = 0;
  // Constants that belong to the whole program (the input scaling).
  virtual std::string program_constants(const NetworkSpec& spec) const = 0;
  // A conv's or full layer's weights in the float tensor's layout, and any layer's biases (empty: none).
  virtual std::vector<std::string> weights(const Layer& layer) const = 0;
  virtual std::vector<std::string> biases(const Layer& layer) const = 0;
  // The layer's constants beyond weights and biases.
  virtual std::string layer_constants(const Layer& layer) const = 0;
  // The output value from the accumulator `acc` (the bias included) of channel `channel`.
  virtual std::string finish(const Layer& layer, const std::string& acc, const std::string& channel) const = 0;
  // A subsampling's pre-activation from the sum of its window `sum` (average pooling) of map `map`.
  virtual std::string pooled(const Layer& layer, const std::string& sum, const std::string& map) const = 0;
  // The RBF output layer's function.
  virtual std::string rbf(const Layer& layer) const = 0;
};

std::unique_ptr<Numbers> float_numbers();
std::unique_ptr<Numbers> int8_numbers(QuantizedNetwork network);

}  // namespace lenet5::c_export
