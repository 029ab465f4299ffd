// The C export's program: one generator for both kinds of numbers (c_numbers.hpp). Its shape is written once:
// a function per layer, a conv computed where the subsampling after it reads it, two activation buffers used
// in turn.
#include <algorithm>
#include <cctype>
#include <regex>

#include "export/c_numbers.hpp"
#include "export/c_quantize.hpp"
#include "export/c_text.hpp"
#include "lenet5/error.hpp"
#include "lenet5/export.hpp"

namespace lenet5 {

namespace {

using namespace c_export;

std::string upper(std::string text) {
  for (char& c : text) c = char(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
  return text;
}


std::string activation_comment(const std::optional<Activation>& activation) {
  return activation ? ", " + to_string(*activation) : "";
}

bool valid_prefix(const std::string& prefix) {
  static const std::regex identifier("[A-Za-z][A-Za-z0-9_]{0,31}");
  return std::regex_match(prefix, identifier);
}

// The layers' C names: the model's lower-cased (c1, s2, …, output) where they make distinct identifiers that
// the generated code does not use itself, else layer1, layer2, ….
std::vector<std::string> c_names(const std::vector<LayerInfo>& layers) {
  static const std::regex identifier("[a-z][a-z0-9_]{0,15}");
  static const std::vector<std::string> taken{"input", "rescale", "saturate", "relu", "scaled_tanh", "logistic",
                                              "max4", "place_image", "best_class", "a", "b"};
  std::vector<std::string> names;
  for (const LayerInfo& layer : layers) names.push_back(lower(layer.name));
  for (std::size_t i = 0; i < names.size(); ++i) {
    const bool clashes = std::count(names.begin(), names.end(), names[i]) > 1 ||
                         std::find(taken.begin(), taken.end(), names[i]) != taken.end();
    if (clashes || !std::regex_match(names[i], identifier)) {
      for (std::size_t j = 0; j < names.size(); ++j) names[j] = "layer" + std::to_string(j + 1);
      break;
    }
  }
  return names;
}

bool fully_connected(const LayerInfo& conv) {
  const std::vector<float>& connections = tensor(conv, "connections").values;
  return std::all_of(connections.begin(), connections.end(), [](float c) { return c != 0.0f; });
}

std::string index_type(std::size_t largest) { return largest < 256 ? "unsigned char" : "int"; }

std::string shape_text(const Shape& shape) {
  return std::to_string(shape.channels) + "@" + std::to_string(shape.height) + "x" + std::to_string(shape.width);
}

// [m][y][x] of maps declared with `dims` (map_dims).
std::string element(const std::vector<int>& dims, const std::string& c, const std::string& y, const std::string& x) {
  return dims.size() == 1 ? "[" + c + "]" : "[" + c + "][" + y + "][" + x + "]";
}

// The program's steps, each a function writing one buffer. A conv followed by a subsampling is one step: its
// maps are computed where the subsampling reads them, never stored (C1's 6@28x28 would be the largest buffer).
struct Step {
  std::optional<std::size_t> fused_conv;
  std::size_t layer = 0;
};

class Program {
 public:
  Program(const Classifier& classifier, const CExportOptions& options, const Numbers& numbers)
      : model_(classifier.model()), infos_(classifier.layers()), numbers_(numbers), options_(options) {
    if (!valid_prefix(options.prefix))
      throw Error("the prefix '" + options.prefix +
                  "' is not a C identifier of at most 32 characters (a letter, then letters, digits or _)");
    prefix_ = options.prefix;
    macro_ = upper(prefix_);
    const std::vector<std::string> names = c_names(infos_);
    for (std::size_t i = 0; i < infos_.size(); ++i) layers_.push_back({infos_[i], i, names[i]});
    for (std::size_t i = 0; i < infos_.size(); ++i) {
      const LayerInfo& info = infos_[i];
      if ((info.kind == LayerKind::conv || info.kind == LayerKind::subsample) && i > 0 &&
          info.input.height == 1 && info.input.width == 1)
        throw Error("layer " + info.name + " reads 1x1 maps: the C export does not support a conv or subsampling there");
      if (info.kind == LayerKind::subsample && i > 0 && infos_[i - 1].kind == LayerKind::conv)
        steps_.back() = {i - 1, i};
      else
        steps_.push_back({std::nullopt, i});
    }
    const Shape& out = infos_.back().output;
    if (out.height != 1 || out.width != 1) throw Error("the C export needs a network whose last layer outputs 1x1 maps");
  }

  CSource source() const { return {prefix_ + "_model.h", header(), prefix_ + "_model.c", body()}; }

 private:
  bool last(std::size_t layer) const { return layer + 1 == infos_.size(); }
  bool penalties() const { return infos_.back().kind == LayerKind::rbf; }
  int classes() const { return infos_.back().output.channels; }
  std::string image_dims() const {
    return (model_.image_shape.channels > 1 ? "[" + macro_ + "_INPUT_CHANNELS]" : std::string()) + "[" + macro_ +
           "_INPUT_HEIGHT][" + macro_ + "_INPUT_WIDTH]";
  }
  std::string scores_param() const { return numbers_.types.score + " scores[" + macro_ + "_CLASSES]"; }
  std::string scores_signature() const {
    return "int " + prefix_ + "_scores(const unsigned char image" + image_dims() + ", " + scores_param() + ")";
  }
  std::string classify_signature() const {
    return "int " + prefix_ + "_classify(const unsigned char image" + image_dims() + ")";
  }

  // The buffer a layer reads: the canvas for the first, else the previous layer's maps. Maps are not const:
  // C before C23 does not pass a T[][] as a const T[][] without a cast (-pedantic says so).
  std::string in_param(std::size_t layer) const {
    const Shape& input = infos_[layer].input;
    if (layer == 0) return numbers_.types.canvas + " in" + dims_text({input.channels, input.height, input.width});
    const std::vector<int> dims = map_dims(input);
    return std::string(dims.size() == 1 ? "const " : "") + numbers_.types.value + " in" + dims_text(dims);
  }
  std::string out_type(std::size_t layer) const { return last(layer) ? numbers_.types.score : numbers_.types.value; }
  std::string out_param(std::size_t layer) const {
    return out_type(layer) + " out" + dims_text(map_dims(infos_[layer].output));
  }
  std::string accumulator() const { return numbers_.types.accumulator + " acc"; }

  std::string description(const Layer& layer) const {
    const LayerInfo& info = layer.info;
    std::string kind;
    switch (info.kind) {
      case LayerKind::conv: {
        const int k = tensor(info, "weight").shape[2];
        kind = "conv " + std::to_string(k) + "x" + std::to_string(k) + (fully_connected(info) ? "" : " (connection table)");
        break;
      }
      case LayerKind::subsample:
        kind = std::string("subsample 2x2, ") + (info.pooling == Pooling::max ? "max" : "average") +
               (info.tensors.empty() ? "" : " (trainable)");
        break;
      case LayerKind::full: kind = "full"; break;
      case LayerKind::rbf: kind = "RBF"; break;
    }
    return info.name + ": " + kind + activation_comment(info.activation) + ", " + shape_text(info.input) + " -> " +
           shape_text(info.output);
  }

  std::string conv_constants(const Layer& layer) const {
    const Tensor& weight = tensor(layer.info, "weight");
    const int outs = weight.shape[0], inputs = weight.shape[1], k = weight.shape[2];
    const std::vector<std::string> values = numbers_.weights(layer);
    const std::string& n = layer.name;
    std::string out = "/* " + description(layer) + ". */\n";
    if (fully_connected(layer.info)) {
      write_array(out, numbers_.types.weight, n + "_weight", weight.shape, values);
    } else {
      // Only the connected kernels are stored: output map o reads input maps n_inputs[k] through kernels
      // n_weight[k], for k from n_first[o] to n_first[o + 1] - 1.
      const std::vector<float>& connections = tensor(layer.info, "connections").values;
      std::vector<std::string> kernels, sources, firsts{"0"};
      const std::size_t area = std::size_t(k) * k;
      for (int o = 0; o < outs; ++o) {
        for (int i = 0; i < inputs; ++i) {
          if (connections[std::size_t(o) * inputs + i] == 0.0f) continue;
          const auto block = values.begin() + std::ptrdiff_t((std::size_t(o) * inputs + i) * area);
          kernels.insert(kernels.end(), block, block + std::ptrdiff_t(area));
          sources.push_back(std::to_string(i));
        }
        firsts.push_back(std::to_string(sources.size()));
      }
      const int blocks = int(sources.size());
      out += "/* Its connection table: output map o reads input map " + n + "_inputs[k] through the kernel " + n +
             "_weight[k]\n   for k from " + n + "_first[o] to " + n + "_first[o + 1] - 1. */\n";
      write_array(out, index_type(std::size_t(inputs)), n + "_inputs", {blocks}, sources);
      write_array(out, index_type(std::size_t(blocks)), n + "_first", {outs + 1}, firsts);
      write_array(out, numbers_.types.weight, n + "_weight", {blocks, k, k}, kernels);
    }
    write_array(out, numbers_.types.bias, n + "_bias", {outs}, numbers_.biases(layer));
    return out + numbers_.layer_constants(layer);
  }

  // One value of a conv's output map o at (y, x).
  std::string conv_at(const Layer& layer) const {
    const Tensor& weight = tensor(layer.info, "weight");
    const std::string k = std::to_string(weight.shape[2]), inputs = std::to_string(weight.shape[1]);
    const std::string& n = layer.name;
    std::string out = "\nstatic " + out_type(layer.index) + " " + n + "_at(" + in_param(layer.index) +
                      ", int o, int y, int x) {\n  " + accumulator() + " = " + n + "_bias[o];\n";
    const std::string taps = "    for (int ky = 0; ky < " + k + "; ++ky)\n      for (int kx = 0; kx < " + k +
                             "; ++kx) acc += ";
    if (fully_connected(layer.info))
      out += "  for (int i = 0; i < " + inputs + "; ++i)\n" + taps + n + "_weight[o][i][ky][kx] * in[i][y + ky][x + kx];\n";
    else
      out += "  for (int k = " + n + "_first[o]; k < " + n + "_first[o + 1]; ++k)\n" + taps + n + "_weight[k][ky][kx] * in[" +
             n + "_inputs[k]][y + ky][x + kx];\n";
    return out + "  return " + numbers_.finish(layer, "acc", "o") + ";\n}\n";
  }

  std::string conv_maps(const Layer& layer) const {
    const Shape& shape = layer.info.output;
    const std::string head = "\nstatic void " + layer.name + "(" + in_param(layer.index) + ", " + out_param(layer.index) +
                             ") {\n  for (int o = 0; o < " + std::to_string(shape.channels) + "; ++o)";
    if (map_dims(shape).size() == 1) return head + " out[o] = " + layer.name + "_at(in, o, 0, 0);\n}\n";
    return head + "\n" +
           "    for (int y = 0; y < " + std::to_string(shape.height) + "; ++y)\n" +
           "      for (int x = 0; x < " + std::to_string(shape.width) + "; ++x) out" +
           element(map_dims(shape), "o", "y", "x") + " = " + layer.name + "_at(in, o, y, x);\n}\n";
  }

  std::string subsample(const Step& step) const {
    const Layer& layer = layers_[step.layer];
    const Shape& shape = layer.info.output;
    std::string out = "/* " + description(layer) + (step.fused_conv ? ", reading " + infos_[*step.fused_conv].name +
                                                                          "'s maps as it computes them" : "") + ". */\n";
    if (!layer.info.tensors.empty()) {
      write_array(out, numbers_.types.bias, layer.name + "_bias", {shape.channels}, numbers_.biases(layer));
    }
    out += numbers_.layer_constants(layer);
    const std::string name = step.fused_conv ? layers_[*step.fused_conv].name + "_" + layer.name : layer.name;
    const std::size_t reads = step.fused_conv ? *step.fused_conv : step.layer;
    const auto source = [&](const std::string& y, const std::string& x) {
      return step.fused_conv ? layers_[*step.fused_conv].name + "_at(in, m, " + y + ", " + x + ")" : "in[m][" + y + "][" + x + "]";
    };
    const std::string type = numbers_.types.value;
    const std::string window = layer.info.pooling == Pooling::max ? "max4(a, b, c, d)"
                                                                  : numbers_.pooled(layer, "(a + b) + (c + d)", "m");
    out += "\nstatic void " + name + "(" + in_param(reads) + ", " + out_param(step.layer) + ") {\n" +
           "  for (int m = 0; m < " + std::to_string(shape.channels) + "; ++m)\n" +
           "    for (int y = 0; y < " + std::to_string(shape.height) + "; ++y)\n" +
           "      for (int x = 0; x < " + std::to_string(shape.width) + "; ++x) {\n" +
           "        const " + type + " a = " + source("2 * y", "2 * x") + ", b = " + source("2 * y", "2 * x + 1") + ";\n" +
           "        const " + type + " c = " + source("2 * y + 1", "2 * x") + ", d = " + source("2 * y + 1", "2 * x + 1") +
           ";\n" + "        out" + element(map_dims(shape), "m", "y", "x") + " = " + numbers_.finish(layer, window, "m") +
           ";\n      }\n}\n";
    return out;
  }

  std::string full(const Layer& layer) const {
    const std::vector<int> in_dims = map_dims(layer.info.input);
    std::vector<int> weight_dims{layer.info.output.channels};
    weight_dims.insert(weight_dims.end(), in_dims.begin(), in_dims.end());
    const std::string& n = layer.name;
    std::string out = "/* " + description(layer) + ". */\n";
    write_array(out, numbers_.types.weight, n + "_weight", weight_dims, numbers_.weights(layer));
    write_array(out, numbers_.types.bias, n + "_bias", {layer.info.output.channels}, numbers_.biases(layer));
    out += numbers_.layer_constants(layer);
    out += "\nstatic void " + n + "(" + in_param(layer.index) + ", " + out_param(layer.index) + ") {\n" +
           "  for (int o = 0; o < " + std::to_string(layer.info.output.channels) + "; ++o) {\n" + "    " + accumulator() +
           " = " + n + "_bias[o];\n";
    if (in_dims.size() == 1)
      out += "    for (int j = 0; j < " + std::to_string(in_dims[0]) + "; ++j) acc += " + n + "_weight[o][j] * in[j];\n";
    else
      out += "    for (int c = 0; c < " + std::to_string(in_dims[0]) + "; ++c)\n" +
             "      for (int y = 0; y < " + std::to_string(in_dims[1]) + "; ++y)\n" +
             "        for (int x = 0; x < " + std::to_string(in_dims[2]) + "; ++x) acc += " + n +
             "_weight[o][c][y][x] * in[c][y][x];\n";
    return out + "    out[o] = " + numbers_.finish(layer, "acc", "o") + ";\n  }\n}\n";
  }

  std::string step_code(const Step& step) const {
    const Layer& layer = layers_[step.layer];
    if (step.fused_conv) return conv_constants(layers_[*step.fused_conv]) + conv_at(layers_[*step.fused_conv]) + "\n" +
                                subsample(step);
    switch (layer.info.kind) {
      case LayerKind::conv: return conv_constants(layer) + conv_at(layer) + conv_maps(layer);
      case LayerKind::subsample: return subsample(step);
      case LayerKind::full: return full(layer);
      case LayerKind::rbf: return numbers_.rbf(layer);
    }
    return "";
  }

  std::string place_image() const {
    const Shape& input = infos_.front().input;
    const Shape& image = model_.image_shape;
    const int top = (input.height - image.height) / 2, left = (input.width - image.width) / 2;
    const std::string canvas = dims_text({input.channels, input.height, input.width});
    return "/* The image centred on the network's " + shape_text(input) +
           " input, the rest background (the paper's padding, section II-B). */\n" +
           "static void place_image(const unsigned char image" + image_dims() + ", " + numbers_.types.canvas + " canvas" +
           canvas + ") {\n" + "  for (int c = 0; c < " + std::to_string(input.channels) + "; ++c)\n" +
           "    for (int y = 0; y < " + std::to_string(input.height) + "; ++y)\n" +
           "      for (int x = 0; x < " + std::to_string(input.width) + "; ++x) {\n" +
           "        const int row = y - " + std::to_string(top) + ", column = x - " + std::to_string(left) + ";\n" +
           "        const int inside = row >= 0 && row < " + std::to_string(image.height) + " && column >= 0 && column < " +
           std::to_string(image.width) + ";\n" + "        const unsigned char byte = inside ? image" +
           (image.channels > 1 ? "[c]" : "") + "[row][column] : 0;\n" + "        " +
           numbers_.encode("canvas[c][y][x]", "byte") + "\n      }\n}\n";
  }

  // The two buffers the steps write in turn (the canvas in the first), as unions of what each holds, and
  // their size in bytes.
  std::pair<std::string, std::size_t> buffers() const {
    const Shape& input = infos_.front().input;
    std::vector<std::string> members[2] = {
        {numbers_.types.canvas + " input" + dims_text({input.channels, input.height, input.width}) + ";"}, {}};
    std::size_t bytes[2] = {std::size_t(input.size()), 0};
    for (std::size_t s = 0; s + 1 < steps_.size(); ++s) {
      const Layer& layer = layers_[steps_[s].layer];
      members[(s + 1) % 2].push_back(numbers_.types.value + " " + layer.name + dims_text(map_dims(layer.info.output)) + ";");
      bytes[(s + 1) % 2] = std::max(bytes[(s + 1) % 2], std::size_t(layer.info.output.size()));
    }
    std::string text;
    for (int u = 0; u < 2; ++u) {
      if (members[u].empty()) continue;
      text += "  union {\n";
      for (const std::string& member : members[u]) text += "    " + member + "\n";
      text += std::string("  } ") + (u == 0 ? "a" : "b") + ";\n";
    }
    return {text, (bytes[0] + bytes[1]) * std::size_t(numbers_.types.value_bytes)};
  }

  std::string entry_points() const {
    const std::string count = std::to_string(classes());
    std::string out = "/* The class with the " + std::string(penalties() ? "smallest penalty" : "highest score") +
                      "; the first of equals. */\n" + "static int best_class(const " + numbers_.types.score +
                      " scores[" + count + "]) {\n" + "  int best = 0;\n" + "  for (int i = 1; i < " + count +
                      "; ++i)\n" + "    if (scores[i] " + (penalties() ? "<" : ">") + " scores[best]) best = i;\n" +
                      "  return best;\n}\n\n";
    const auto [unions, bytes] = buffers();
    out += scores_signature() + " {\n  /* The activations: two buffers that the layers write in turn, " +
           std::to_string(bytes) + " bytes. */\n" + unions + "  place_image(image, a.input);\n";
    for (std::size_t s = 0; s < steps_.size(); ++s) {
      const Step& step = steps_[s];
      const std::string name = step.fused_conv ? layers_[*step.fused_conv].name + "_" + layers_[step.layer].name
                                               : layers_[step.layer].name;
      const std::string in = s == 0 ? "a.input" : std::string(s % 2 ? "b." : "a.") + layers_[steps_[s - 1].layer].name;
      const std::string target = s + 1 == steps_.size() ? "scores" : std::string(s % 2 ? "a." : "b.") + layers_[step.layer].name;
      out += "  " + name + "(" + in + ", " + target + ");\n";
    }
    out += "  return best_class(scores);\n}\n\n";
    out += classify_signature() + " {\n  " + numbers_.types.score + " scores[" + count + "];\n  return " + prefix_ +
           "_scores(image, scores);\n}\n";
    return out;
  }

  std::string opening(const std::string& file, const std::string& what) const {
    std::string out = "/* " + file + ": " + what + " by `lenet5 export " +
                      (numbers_.types.kind == "int8" ? "c-int8" : "c") + "` (do not edit).\n";
    for (const std::string& note : options_.notes) out += " * " + note + "\n";
    return out;
  }

  std::string header() const {
    const std::string guard = macro_ + "_MODEL_H";
    const std::string libraries = numbers_.libraries(infos_);
    std::string out = opening(prefix_ + "_model.h", "LeNet-5 (preset " + model_.spec.preset + ") as C99, " +
                                                         numbers_.types.kind + " arithmetic, written");
    out += " *\n * " + prefix_ + "_classify(image) returns the class of one image: " + macro_ + "_INPUT_HEIGHT x " +
           macro_ + "_INPUT_WIDTH bytes" + (model_.image_shape.channels > 1 ? " per channel (R, G, B)" : "") +
           ", row by row,\n * 0 = background, 255 = ink, prepared as the model's training images were (for digits,"
           " MNIST's way:\n * docs/real-input.md). " + prefix_ + "_scores(image, scores) also writes every class's " +
           (penalties() ? "penalty (the smallest wins)" : "score (the highest wins)") + ".\n" +
           " * Re-entrant: no heap, no writable globals; the activations take " + std::to_string(buffers().second) +
           " bytes of the caller's stack.\n * Needs " + (libraries.empty() ? "no library" : libraries) +
           ". docs/export.md (\"C for microcontrollers\") explains the code.\n */\n";
    out += "#ifndef " + guard + "\n#define " + guard + "\n\n";
    if (numbers_.types.score == "int32_t") out += "#include <stdint.h>\n\n";
    out += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    const Shape& image = model_.image_shape;
    out += "#define " + macro_ + "_INPUT_CHANNELS " + std::to_string(image.channels) + "\n";
    out += "#define " + macro_ + "_INPUT_HEIGHT " + std::to_string(image.height) + "\n";
    out += "#define " + macro_ + "_INPUT_WIDTH " + std::to_string(image.width) + "\n";
    out += "#define " + macro_ + "_CLASSES " + std::to_string(classes()) + "\n";
    out += "#define " + macro_ + "_SCORES_ARE_PENALTIES " + std::string(penalties() ? "1" : "0") + "\n";
    out += numbers_.header_extras(macro_) + "\n";
    out += "/* The name of each class, by index. */\nextern const char *const " + prefix_ + "_class_names[" + macro_ +
           "_CLASSES];\n\n";
    out += classify_signature() + ";\n" + scores_signature() + ";\n\n";
    out += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    return out;
  }

  std::string body() const {
    std::string out = opening(prefix_ + "_model.c", "the network's weights and inference, written") + " */\n";
    out += "#include \"" + prefix_ + "_model.h\"\n";
    if (!numbers_.libraries(infos_).empty()) out += "\n#include <math.h>\n";
    out += "\n" + numbers_.helpers(infos_) + numbers_.program_constants(model_.spec);
    if (!out.ends_with("\n\n")) out += "\n";
    std::vector<std::string> names;
    for (const std::string& name : class_names(model_)) names.push_back(string_literal(name));
    out += "const char *const " + prefix_ + "_class_names[" + macro_ + "_CLASSES] = {";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    out += "};\n\n";
    for (const Step& step : steps_) out += step_code(step) + "\n";
    return out + place_image() + "\n" + entry_points();
  }

  const Model& model_;
  std::vector<LayerInfo> infos_;
  std::vector<Layer> layers_;
  std::vector<Step> steps_;
  const Numbers& numbers_;
  CExportOptions options_;
  std::string prefix_, macro_;
};

}  // namespace

CSource c_float_source(const Classifier& classifier, const CExportOptions& options) {
  return Program(classifier, options, *float_numbers()).source();
}

CSource c_int8_source(const Classifier& classifier, const Dataset& calibration, const CExportOptions& options) {
  if (calibration.count == 0) throw Error("the int8 export needs calibration images");
  return Program(classifier, options, *int8_numbers(quantize(classifier, calibrate(classifier, calibration)))).source();
}

}  // namespace lenet5
