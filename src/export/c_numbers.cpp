#include "export/c_numbers.hpp"

#include <algorithm>
#include <cstdio>

#include "export/c_text.hpp"
#include "lenet5/error.hpp"

namespace lenet5::c_export {

namespace {

bool uses(const std::vector<LayerInfo>& layers, Activation activation) {
  return std::any_of(layers.begin(), layers.end(), [&](const LayerInfo& l) { return l.activation == activation; });
}

bool uses_max_pooling(const std::vector<LayerInfo>& layers) {
  return std::any_of(layers.begin(), layers.end(), [](const LayerInfo& l) { return l.pooling == Pooling::max; });
}

std::string max4(const std::string& type) {
  return "static " + type + " max4(" + type + " a, " + type + " b, " + type + " c, " + type + " d) {\n" +
         "  const " + type + " top = a > b ? a : b, bottom = c > d ? c : d;\n"
         "  return top > bottom ? top : bottom;\n}\n\n";
}

// The RBF prototypes (eq. 7): ±1, the stylised 7×12 digits of the paper's Fig. 3.
std::string prototypes_array(const Layer& layer) {
  const Tensor& prototypes = tensor(layer.info, "prototypes");
  for (float p : prototypes.values)
    if (p != 1.0f && p != -1.0f) throw Error("layer " + layer.info.name + "'s prototypes are not all ±1");
  std::string out = "/* " + layer.info.name + "'s prototypes: the +-1 bitmaps of eq. 7, one row per class. */\n";
  write_array(out, "signed char", layer.name + "_prototypes", prototypes.shape,
              texts(prototypes.values, [](float p) { return std::string(p > 0 ? "1" : "-1"); }));
  return out;
}

class FloatNumbers final : public Numbers {
 public:
  FloatNumbers() : Numbers({"float32", "float", "float", "float", "float", "float", "float", 4}) {}
  std::string header_extras(const std::string&) const override { return ""; }

  std::string libraries(const std::vector<LayerInfo>& layers) const override {
    std::string functions;
    if (uses(layers, Activation::scaled_tanh)) functions += "tanhf";
    if (uses(layers, Activation::logistic)) functions += std::string(functions.empty() ? "" : " and ") + "expf";
    return functions.empty() ? "" : "libm's " + functions + " (link with -lm)";
  }

  std::string helpers(const std::vector<LayerInfo>& layers) const override {
    std::string out;
    if (uses(layers, Activation::relu)) out += "static float relu(float a) { return a > 0.0f ? a : 0.0f; }\n\n";
    if (uses(layers, Activation::scaled_tanh))
      out += "/* The paper's squashing function 1.7159 tanh(2a/3) (eq. 6). */\n"
             "static float scaled_tanh(float a) { return 1.7159f * tanhf(0.666666687f * a); }\n\n";
    if (uses(layers, Activation::logistic)) out += "static float logistic(float a) { return 1.0f / (1.0f + expf(-a)); }\n\n";
    if (uses_max_pooling(layers)) out += max4("float");
    return out;
  }

  std::string program_constants(const NetworkSpec& spec) const override {
    std::string out = "/* Each input channel's bytes 0 and 255 become these values (the model's input scaling). */\n";
    write_array(out, "float", "input_background", {int(spec.scaling.size())},
                texts(spec.scaling, [](const InputScaling& s) { return float_literal(s.background); }));
    write_array(out, "float", "input_foreground", {int(spec.scaling.size())},
                texts(spec.scaling, [](const InputScaling& s) { return float_literal(s.foreground); }));
    return out;
  }

  // As the Classifier encodes: background + (foreground − background) · byte / 255, in float.
  std::string encode(const std::string& place, const std::string& byte) const override {
    return place + " = input_background[c] + (input_foreground[c] - input_background[c]) * (float)" + byte + " / 255.0f;";
  }

  std::vector<std::string> weights(const Layer& layer) const override {
    return texts(tensor(layer.info, "weight").values, float_literal);
  }
  std::vector<std::string> biases(const Layer& layer) const override {
    if (layer.info.kind == LayerKind::subsample && layer.info.tensors.empty()) return {};
    return texts(tensor(layer.info, "bias").values, float_literal);
  }

  std::string layer_constants(const Layer& layer) const override {
    if (layer.info.kind != LayerKind::subsample || layer.info.tensors.empty()) return "";
    std::string out;
    write_array(out, "float", layer.name + "_coefficient", {layer.info.output.channels},
                texts(tensor(layer.info, "coefficient").values, float_literal));
    return out;
  }

  std::string finish(const Layer& layer, const std::string& acc, const std::string&) const override {
    return layer.info.activation ? to_string(*layer.info.activation) + "(" + acc + ")" : acc;
  }

  // The Classifier's order: 0.25 · coefficient, times the window's sum, plus the bias.
  std::string pooled(const Layer& layer, const std::string& sum, const std::string& map) const override {
    if (layer.info.tensors.empty()) return "0.25f * (" + sum + ")";
    return "(0.25f * " + layer.name + "_coefficient[" + map + "]) * (" + sum + ") + " + layer.name + "_bias[" + map + "]";
  }

  std::string rbf(const Layer& layer) const override {
    const int classes = layer.info.output.channels, width = layer.info.input.size();
    return prototypes_array(layer) + "\n/* " + layer.info.name + ": RBF " + std::to_string(width) + " -> " +
           std::to_string(classes) + ", the penalties sum_j (in_j - prototype_ij)^2 (eq. 7): the smallest wins. */\n" +
           "static void " + layer.name + "(const float in[" + std::to_string(width) + "], float penalties[" +
           std::to_string(classes) + "]) {\n" +
           "  for (int i = 0; i < " + std::to_string(classes) + "; ++i) {\n" +
           "    float sum = 0.0f;\n" +
           "    for (int j = 0; j < " + std::to_string(width) + "; ++j) {\n" +
           "      const float difference = in[j] - (float)" + layer.name + "_prototypes[i][j];\n" +
           "      sum += difference * difference;\n" +
           "    }\n" +
           "    penalties[i] = sum;\n" +
           "  }\n}\n";
  }
};

std::string rescale_text(const c_export::Rescale& r) {
  std::string text = "{";  // (piece by piece: GCC 12 warns falsely about "{" + … + "}")
  text.append(std::to_string(r.multiplier)).append(", ").append(std::to_string(r.shift)).append("}");
  return text;
}

class Int8Numbers final : public Numbers {
 public:
  explicit Int8Numbers(QuantizedNetwork network)
      : Numbers({"int8", "uint8_t", "int8_t", "int32_t", "int32_t", "int8_t", "int32_t", 1}), network_(std::move(network)) {}

  std::string header_extras(const std::string& macro) const override {
    char scale[64];
    std::snprintf(scale, sizeof scale, "%.17g", network_.layers.back().output_scale);
    return "#define " + macro + "_SCORE_SCALE " + scale + " /* a score's real value: scores[i] * " + macro +
           "_SCORE_SCALE */\n";
  }
  std::string libraries(const std::vector<LayerInfo>&) const override { return ""; }

  std::string helpers(const std::vector<LayerInfo>& layers) const override {
    std::string out =
        "/* A real factor as integers: value * factor = (value * multiplier + 2^(shift-1)) >> shift, rounded half\n"
        "   up, 2^30 <= |multiplier| < 2^31. Needs >> to shift negative values arithmetically, as every C compiler\n"
        "   for Arm and x86 does; the typedef refuses to compile where it does not. */\n"
        "typedef char arithmetic_right_shift_required[(-8 >> 1) == -4 ? 1 : -1];\n"
        "struct rescale {\n  int32_t multiplier;\n  int32_t shift;\n};\n\n"
        "static int32_t rescale(int32_t value, struct rescale factor) {\n"
        "  return (int32_t)(((int64_t)value * factor.multiplier + ((int64_t)1 << (factor.shift - 1))) >> factor.shift);\n"
        "}\n\n";
    if (std::any_of(network_.layers.begin(), network_.layers.end(),
                    [](const QuantizedLayer& l) { return l.coding == Coding::int8; }))
      out += "static int8_t saturate(int32_t value, int32_t low, int32_t high) {\n"
             "  return (int8_t)(value < low ? low : value > high ? high : value);\n}\n\n";
    for (const c_export::ActivationTable& table : network_.tables) {
      const std::string name = to_string(table.activation), reach = std::to_string(table.reach);
      char step[64];
      std::snprintf(step, sizeof step, "%.9g", table.step);
      out += "/* " + name + " of index * " + step + ", in steps of its bound / 127, for indices -" + reach + " to " +
             reach + " (flat beyond). */\n";
      write_array(out, "int8_t", name + "_table", {int(table.values.size())}, texts(table.values, integer_text));
      out += "\nstatic int8_t " + name + "(int32_t index) {\n" + "  return " + name + "_table[(index < -" + reach +
             " ? -" + reach + " : index > " + reach + " ? " + reach + " : index) + " + reach + "];\n}\n\n";
    }
    if (uses_max_pooling(layers)) out += max4("int32_t");
    return out;
  }

  std::string program_constants(const NetworkSpec&) const override { return ""; }
  // The bytes themselves: the input scaling is folded into the first layer's weights and biases.
  std::string encode(const std::string& place, const std::string& byte) const override {
    return place + " = " + byte + ";";
  }

  std::vector<std::string> weights(const Layer& layer) const override {
    return texts(quantized(layer).weights, integer_text);
  }
  std::vector<std::string> biases(const Layer& layer) const override {
    if (layer.info.kind == LayerKind::subsample && layer.info.tensors.empty()) return {};
    return texts(quantized(layer).bias, integer_text);
  }

  std::string layer_constants(const Layer& layer) const override {
    const QuantizedLayer& q = quantized(layer);
    std::string out = "/* From " + layer.info.name + "'s int32 accumulator (bias included) to ";
    char step[64];
    std::snprintf(step, sizeof step, "%.6g", q.output_scale);
    switch (q.coding) {
      case Coding::int8: out += "its int8 outputs, steps of " + std::string(step) + (q.low == 0 ? " (ReLU: 0 to 127)" : ""); break;
      case Coding::table: out += "the index of the " + to_string(network_.tables[q.table].activation) + " table"; break;
      case Coding::scores: out += "the scores, in units of " + std::string(step); break;
    }
    out += ", per output channel. */\n";
    write_array(out, "struct rescale", layer.name + "_rescale", {int(q.rescale.size())}, texts(q.rescale, rescale_text));
    return out;
  }

  std::string finish(const Layer& layer, const std::string& acc, const std::string& channel) const override {
    const QuantizedLayer& q = quantized(layer);
    const std::string rescaled = "rescale(" + acc + ", " + layer.name + "_rescale[" + channel + "])";
    switch (q.coding) {
      case Coding::int8: return "saturate(" + rescaled + ", " + std::to_string(q.low) + ", " + std::to_string(q.high) + ")";
      case Coding::table: return to_string(network_.tables[q.table].activation) + "(" + rescaled + ")";
      case Coding::scores: return rescaled;
    }
    return rescaled;
  }

  std::string pooled(const Layer& layer, const std::string& sum, const std::string& map) const override {
    return layer.info.tensors.empty() ? sum : sum + " + " + layer.name + "_bias[" + map + "]";
  }

  std::string rbf(const Layer& layer) const override {
    const QuantizedLayer& q = quantized(layer);
    const int classes = layer.info.output.channels, width = layer.info.input.size();
    char step[64];
    std::snprintf(step, sizeof step, "%.6g", network_.layers[layer.index - 1].output_scale);
    std::string out = prototypes_array(layer) + "\n/* Each prototype's sum_j prototype_ij^2, in score units. */\n";
    write_array(out, "int32_t", layer.name + "_energy", {classes}, texts(q.bias, integer_text));
    return out + "static const struct rescale " + layer.name + "_squares = " + rescale_text(q.rbf_squares) + ";\n" +
           "static const struct rescale " + layer.name + "_agreement = " + rescale_text(q.rbf_agreement) + ";\n\n" +
           "/* " + layer.info.name + ": RBF " + std::to_string(width) + " -> " + std::to_string(classes) +
           ", the penalties sum_j (x_j - prototype_ij)^2 (eq. 7) as\n"
           "   s^2 sum_j in_j^2 - 2 s sum_j prototype_ij in_j + sum_j prototype_ij^2, x = in * s with s = " + step +
           ",\n   the step of its inputs: the smallest wins. */\n" +
           "static void " + layer.name + "(const int8_t in[" + std::to_string(width) + "], int32_t penalties[" +
           std::to_string(classes) + "]) {\n" +
           "  int32_t squares = 0;\n" +
           "  for (int j = 0; j < " + std::to_string(width) + "; ++j) squares += in[j] * in[j];\n" +
           "  for (int i = 0; i < " + std::to_string(classes) + "; ++i) {\n" +
           "    int32_t agreement = 0;\n" +
           "    for (int j = 0; j < " + std::to_string(width) + "; ++j) agreement += " + layer.name +
           "_prototypes[i][j] * in[j];\n" +
           "    penalties[i] = rescale(squares, " + layer.name + "_squares) - rescale(agreement, " + layer.name +
           "_agreement) + " + layer.name + "_energy[i];\n" +
           "  }\n}\n";
  }

 private:
  const QuantizedLayer& quantized(const Layer& layer) const { return network_.layers[layer.index]; }

  QuantizedNetwork network_;
};

}  // namespace

std::unique_ptr<Numbers> float_numbers() { return std::make_unique<FloatNumbers>(); }
std::unique_ptr<Numbers> int8_numbers(QuantizedNetwork network) {
  return std::make_unique<Int8Numbers>(std::move(network));
}

}  // namespace lenet5::c_export
