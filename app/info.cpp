// lenet5 info: the layer table of a preset or of a saved model.
#include <cstdio>
#include <optional>
#include <string>

#include "cli.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "info",
    "lenet5 info [--preset NAME | --model M] [--json]",
    "Prints the network's layers: output shape, trainable parameters and connections (multiply-adds per\n"
    "image, biases counted as the 1998 paper counts them), with totals; for a saved model also its input\n"
    "preparation: digit (pictures are prepared as MNIST's digits were) or plain (letterboxed whole).",
    {{"preset", "NAME", "a preset: modern (default) or classic"},
     {"model", "M", "describe a saved model instead of a preset: a file, or 'modern' / 'classic' for a shipped one"},
     {"json", "", "print one JSON object: model (the file read, or null), layers, loss, parameters, connections,\n"
                  "                          input_preparation (null for a preset)"}},
    0, 0};

std::string shape_text(const lenet5::Shape& shape) {
  return std::to_string(shape.channels) + "@" + std::to_string(shape.height) + "x" + std::to_string(shape.width);
}

int run(const Args& args) {
  if (args.get("model") && args.get("preset")) throw UsageError("give --preset or --model, not both");
  // The file a --model resolves to is printed: which shipped model was found where is then plain to see.
  const std::optional<std::string> model_file = args.get("model") ? std::optional(model_path(args)) : std::nullopt;
  std::optional<lenet5::Model> model;
  if (model_file) model = lenet5::load_model(*model_file);
  const lenet5::NetworkSpec spec = model ? model->spec : lenet5::preset(preset_option(args));
  // How pictures are prepared is the model's, not the network's: a preset has none yet ('train --input').
  const std::optional<std::string> preparation =
      model ? std::optional(lenet5::to_string(model->preparation)) : std::nullopt;
  const auto layers = lenet5::summarize(spec);
  std::size_t parameters = 0;
  std::uint64_t connections = 0;
  for (const auto& layer : layers) {
    parameters += layer.parameters;
    connections += layer.connections;
  }
  // The MAP loss's constant j (eq. 9) is part of the loss: shown with it, as the model file's text form does;
  // other losses have none (null in JSON).
  const bool has_map_constant = spec.loss == lenet5::LossKind::map;
  if (args.flag("json")) {
    const auto layer_json = [](const lenet5::LayerSummary& layer) {
      return "{\"name\":" + json_string(layer.name) + ",\"type\":" + json_string(layer.description) +
             ",\"output\":" + json_string(shape_text(layer.output)) +
             ",\"parameters\":" + std::to_string(layer.parameters) +
             ",\"fixed_parameters\":" + std::to_string(layer.fixed_parameters) +
             ",\"connections\":" + std::to_string(layer.connections) + "}";
    };
    const std::string out = "{\"model\":" + (model_file ? json_string(*model_file) : "null") +
                            ",\"preset\":" + json_string(spec.preset) + ",\"input\":" +
                            json_string(shape_text(spec.input)) +
                            ",\"loss\":" + json_string(lenet5::to_string(spec.loss)) +
                            ",\"map_constant\":" + (has_map_constant ? json_number(spec.map_constant) : "null") +
                            ",\"layers\":" + json_array(layers, layer_json) +
                            ",\"parameters\":" + std::to_string(parameters) +
                            ",\"connections\":" + std::to_string(connections) +
                            ",\"input_preparation\":" + (preparation ? json_string(*preparation) : "null") +
                            ",\"dataset\":" + (model ? json_string(model->dataset) : "null") +
                            ",\"images\":" + (model ? json_string(shape_text(model->image_shape)) : "null") +
                            ",\"classes\":" + (model ? json_array(lenet5::class_names(*model), json_string) : "null") + "}";
    std::puts(out.c_str());
    return 0;
  }
  if (model_file) std::printf("model %s\n", model_file->c_str());
  std::printf("LeNet-5, preset %s: input %s, loss %s%s%s\n\n", spec.preset.c_str(), shape_text(spec.input).c_str(),
              lenet5::to_string(spec.loss).c_str(),
              has_map_constant ? (" j=" + json_number(spec.map_constant)).c_str() : "",
              preparation ? (", input preparation " + *preparation).c_str() : "");
  if (model) {
    std::string classes;
    for (const auto& name : lenet5::class_names(*model)) classes += (classes.empty() ? "" : ", ") + name;
    std::printf("trained on %s (%s images); classes: %s\n\n", model->dataset.empty() ? "unnamed data" : model->dataset.c_str(),
                shape_text(model->image_shape).c_str(), classes.c_str());
  }
  // Fixed parameters (the RBF prototypes) are shown beside the trainable ones but not counted in the total,
  // as the paper counts them.
  const auto parameter_text = [](std::size_t trainable, std::size_t fixed) {
    return std::to_string(trainable) + (fixed ? " (" + std::to_string(fixed) + " fixed)" : "");
  };
  std::printf("%-7s %-42s %-9s %16s %12s\n", "layer", "type", "output", "parameters", "connections");
  for (const auto& layer : layers)
    std::printf("%-7s %-42s %-9s %16s %12llu\n", layer.name.c_str(), layer.description.c_str(),
                shape_text(layer.output).c_str(), parameter_text(layer.parameters, layer.fixed_parameters).c_str(),
                static_cast<unsigned long long>(layer.connections));
  std::printf("%-7s %-42s %-9s %16zu %12llu\n", "total", "", "", parameters,
              static_cast<unsigned long long>(connections));
  return 0;
}

}  // namespace

const Command kInfo{kSpec, run};

}  // namespace cli
