// Presets, validation/summary and the text form of lenet5::NetworkSpec.
#include "lenet5/network_spec.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "lenet5/error.hpp"

namespace lenet5 {

NetworkSpec modern_preset() {
  // MNIST mean 0.1307 and standard deviation 0.3081 on [0,1] pixels: inputs with mean ≈ 0 and variance ≈ 1,
  // the same aim as the paper's −0.1/1.175 (§II-B).
  const float mean = 0.1307f, deviation = 0.3081f;
  NetworkSpec spec;
  spec.preset = "modern";
  spec.input = {1, 32, 32};
  spec.scaling = {InputScaling{(0.0f - mean) / deviation, (1.0f - mean) / deviation}};
  spec.layers = {
      {"C1", ConvSpec{.out_channels = 6, .kernel = 5, .connections = {}, .activation = Activation::relu}},
      {"S2", SubsampleSpec{.pooling = Pooling::average, .activation = {}}},
      {"C3", ConvSpec{.out_channels = 16, .kernel = 5, .connections = {}, .activation = Activation::relu}},
      {"S4", SubsampleSpec{.pooling = Pooling::average, .activation = {}}},
      {"C5", ConvSpec{.out_channels = 120, .kernel = 5, .connections = {}, .activation = Activation::relu}},
      {"F6", DenseSpec{.out_features = 84, .activation = Activation::relu}},
      {"OUTPUT", DenseSpec{.out_features = 10, .activation = {}}},
  };
  spec.loss = LossKind::softmax_cross_entropy;
  return spec;
}

// Table I of the paper: which S2 maps (rows) feed each C3 map (columns). Maps 0–5 read three contiguous S2
// maps, 6–11 four contiguous, 12–14 four non-contiguous, 15 all six: 60 connections.
constexpr const char* kTableOne[6] = {
    // C3:  0123456789012345
    "X...XXX..XXXX.XX",  // S2 0
    "XX...XXX..XXXX.X",  // S2 1
    "XXX...XXX..X.XXX",  // S2 2
    ".XXX..XXXX..X.XX",  // S2 3
    "..XXX..XXXX.XX.X",  // S2 4
    "...XXX..XXXX.XXX",  // S2 5
};

NetworkSpec classic_preset() {
  std::vector<std::vector<bool>> table(16, std::vector<bool>(6));
  for (int s2 = 0; s2 < 6; ++s2)
    for (int c3 = 0; c3 < 16; ++c3) table[c3][s2] = kTableOne[s2][c3] == 'X';
  const auto squash = Activation::scaled_tanh;
  NetworkSpec spec;
  spec.preset = "classic";
  spec.input = {1, 32, 32};
  spec.scaling = {InputScaling{-0.1f, 1.175f}};  // §II-B: background −0.1, foreground 1.175, mean ≈ 0, variance ≈ 1
  spec.layers = {
      {"C1", ConvSpec{.out_channels = 6, .kernel = 5, .connections = {}, .activation = squash}},
      {"S2", SubsampleSpec{.pooling = Pooling::average, .trainable = true, .activation = squash}},
      {"C3", ConvSpec{.out_channels = 16, .kernel = 5, .connections = table, .activation = squash}},
      {"S4", SubsampleSpec{.pooling = Pooling::average, .trainable = true, .activation = squash}},
      {"C5", ConvSpec{.out_channels = 120, .kernel = 5, .connections = {}, .activation = squash}},
      {"F6", DenseSpec{.out_features = 84, .activation = squash}},
      {"OUTPUT", RbfSpec{.classes = 10}},
  };
  spec.loss = LossKind::map;
  return spec;
}

std::vector<std::string> preset_names() { return {"modern", "classic"}; }

bool outputs_are_penalties(const NetworkSpec& spec) {
  return !spec.layers.empty() && std::holds_alternative<RbfSpec>(spec.layers.back().op);
}

NetworkSpec preset(const std::string& name) {
  if (name == "modern") return modern_preset();
  if (name == "classic") return classic_preset();
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown preset '" + name + "' (known: " + known + ")");
}

NetworkSpec fit_to_data(NetworkSpec spec, int channels, int classes) {
  if (channels < 1 || channels > 4) throw Error("images must have 1 to 4 channels, not " + std::to_string(channels));
  if (classes < 2) throw Error("a classifier needs at least 2 classes, not " + std::to_string(classes));
  spec.input.channels = channels;
  spec.scaling.resize(std::size_t(channels), spec.scaling.front());
  LayerSpec& output = spec.layers.back();
  if (auto* dense = std::get_if<DenseSpec>(&output.op)) {
    dense->out_features = classes;
  } else if (auto* rbf = std::get_if<RbfSpec>(&output.op); rbf && classes != rbf->classes) {
    throw Error("the " + spec.preset + " preset's RBF output has fixed prototypes for the ten digits only, and this "
                "data has " + std::to_string(classes) + " classes: use the modern preset");
  }
  summarize(spec);
  return spec;
}

int class_count(const NetworkSpec& spec) { return summarize(spec).back().output.size(); }

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::relu: return "relu";
    case Activation::scaled_tanh: return "scaled_tanh";
    case Activation::logistic: return "logistic";
  }
  return "?";
}

std::string to_string(Pooling pooling) { return pooling == Pooling::average ? "average" : "max"; }

std::string to_string(LossKind loss) {
  switch (loss) {
    case LossKind::softmax_cross_entropy: return "softmax_cross_entropy";
    case LossKind::mse: return "mse";
    case LossKind::map: return "map";
  }
  return "?";
}

namespace {

std::string describe_activation(const std::optional<Activation>& activation) {
  return activation ? ", " + to_string(*activation) : "";
}

void check(bool condition, const std::string& layer, const std::string& what) {
  if (!condition) throw Error("network layer " + layer + ": " + what);
}

// Whether a shape is positive and small enough (4M values per image) for every size computed from it,
// parameters included, to fit in an int. Checked in 64 bits, before Shape::size() is ever called.
bool fits(const Shape& shape) {
  constexpr std::int64_t kMaxSide = 65536, kMaxValues = std::int64_t{1} << 22;
  for (const int side : {shape.channels, shape.height, shape.width})
    if (side < 1 || side > kMaxSide) return false;
  return std::int64_t{shape.channels} * shape.height * shape.width <= kMaxValues;
}

int connected_inputs(const ConvSpec& conv, int out_channel, int in_channels) {
  if (conv.connections.empty()) return in_channels;
  int count = 0;
  for (bool connected : conv.connections[out_channel]) count += connected;
  return count;
}

}  // namespace

std::vector<LayerSummary> summarize(const NetworkSpec& spec) {
  if (!fits(spec.input)) throw Error("network input shape is invalid (each side 1–65536, at most 4M values)");
  if (spec.preset.empty() || spec.preset.find_first_of(" \t\n") != std::string::npos)
    throw Error("network preset name must be one word");
  if (spec.layers.empty()) throw Error("network has no layers");
  std::vector<LayerSummary> rows;
  Shape in = spec.input;
  for (const LayerSpec& layer : spec.layers) {
    LayerSummary row;
    row.name = layer.name;
    check(!layer.name.empty() && layer.name.find_first_of(" \t\n=") == std::string::npos, layer.name,
          "name must be one word");
    if (const auto* conv = std::get_if<ConvSpec>(&layer.op)) {
      check(conv->out_channels >= 1 && conv->out_channels <= 4096, layer.name, "output maps must be 1–4096");
      check(conv->kernel >= 1 && conv->kernel <= in.height && conv->kernel <= in.width, layer.name,
            "kernel does not fit its " + std::to_string(in.height) + "x" + std::to_string(in.width) + " input");
      if (!conv->connections.empty()) {
        check(static_cast<int>(conv->connections.size()) == conv->out_channels, layer.name,
              "connection table needs one row per output map");
        for (int o = 0; o < conv->out_channels; ++o) {
          check(static_cast<int>(conv->connections[o].size()) == in.channels, layer.name,
                "connection table rows need one entry per input map");
          check(connected_inputs(*conv, o, in.channels) > 0, layer.name, "an output map has no inputs");
        }
      }
      row.output = {conv->out_channels, in.height - conv->kernel + 1, in.width - conv->kernel + 1};
      std::size_t weights = 0;
      for (int o = 0; o < conv->out_channels; ++o)
        weights += static_cast<std::size_t>(connected_inputs(*conv, o, in.channels)) * conv->kernel * conv->kernel;
      row.parameters = weights + conv->out_channels;
      // The paper counts a connection per weight use and per bias use (C1: 28·28·156 = 122,304).
      row.connections = static_cast<std::uint64_t>(row.output.height) * row.output.width * row.parameters;
      row.description = "conv " + std::to_string(conv->kernel) + "x" + std::to_string(conv->kernel) +
                        (conv->connections.empty() ? "" : " (table)") + describe_activation(conv->activation);
    } else if (const auto* sub = std::get_if<SubsampleSpec>(&layer.op)) {
      check(in.height % 2 == 0 && in.width % 2 == 0, layer.name, "2x2 subsampling needs an even-sized input");
      check(!sub->trainable || sub->pooling == Pooling::average, layer.name,
            "trainable subsampling scales its block's mean: it needs average pooling");
      row.output = {in.channels, in.height / 2, in.width / 2};
      // The paper's S2: 14·14·6·(4 + 1) = 5,880 connections, the +1 being the trainable bias.
      row.parameters = sub->trainable ? 2 * std::size_t(in.channels) : 0;
      row.connections = static_cast<std::uint64_t>(row.output.size()) * (sub->trainable ? 5 : 4);
      row.description = sub->trainable ? std::string("subsample 2x2 (trainable)")
                                       : (sub->pooling == Pooling::average ? "avg pool 2x2" : "max pool 2x2");
      row.description += describe_activation(sub->activation);
    } else if (const auto* rbf = std::get_if<RbfSpec>(&layer.op)) {
      check(rbf->classes == 10, layer.name, "the RBF output has prototypes for the 10 digits only");
      check(in.size() == 84, layer.name, "the RBF output needs 84 inputs (its 7x12 prototypes)");
      check(&layer == &spec.layers.back(), layer.name, "the RBF output must be the last layer");
      row.output = {rbf->classes, 1, 1};
      row.fixed_parameters = std::size_t(rbf->classes) * in.size();
      row.connections = row.fixed_parameters;
      row.description = "RBF 84->" + std::to_string(rbf->classes) + " (fixed 7x12 prototypes)";
    } else {
      const auto& dense = std::get<DenseSpec>(layer.op);
      check(dense.out_features >= 1 && dense.out_features <= 65536, layer.name, "outputs must be 1–65536");
      row.output = {dense.out_features, 1, 1};
      row.parameters = static_cast<std::size_t>(dense.out_features) * (in.size() + 1);
      row.connections = row.parameters;
      row.description = "full " + std::to_string(in.size()) + "->" + std::to_string(dense.out_features) +
                        describe_activation(dense.activation);
    }
    check(fits(row.output), layer.name, "output is too large (at most 4M values)");
    check(row.parameters <= (std::size_t{1} << 28), layer.name, "has too many parameters (at most 268M)");
    rows.push_back(row);
    in = row.output;
  }
  if (in.size() < 2) throw Error("network output must have at least 2 classes");
  if (spec.scaling.size() != std::size_t(spec.input.channels))
    throw Error("network input scaling needs one background/foreground pair per input channel");
  if (outputs_are_penalties(spec) == (spec.loss == LossKind::softmax_cross_entropy))
    throw Error("loss " + to_string(spec.loss) + (outputs_are_penalties(spec) ? " does not fit" : " needs") +
                " an RBF output layer");
  if (spec.loss == LossKind::map && !(spec.map_constant > 0.0f))
    throw Error("the MAP loss constant j must be positive");
  return rows;
}

// ---- text form -------------------------------------------------------------------------------------------

namespace {

constexpr const char* kTextHeader = "lenet5-network 1";

std::string format_float(float value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(value));  // 9 digits round-trip a float
  return buffer;
}

std::string activation_field(const std::optional<Activation>& activation) {
  return activation ? " activation=" + to_string(*activation) : "";
}

}  // namespace

std::string to_text(const NetworkSpec& spec) {
  std::ostringstream out;
  out << kTextHeader << "\n";
  out << "preset " << spec.preset << "\n";
  out << "input " << spec.input.channels << " " << spec.input.height << " " << spec.input.width << "\n";
  out << "scaling";
  for (const InputScaling& channel : spec.scaling)
    out << " " << format_float(channel.background) << " " << format_float(channel.foreground);
  out << "\n";
  for (const LayerSpec& layer : spec.layers) {
    if (const auto* conv = std::get_if<ConvSpec>(&layer.op)) {
      out << "conv " << layer.name << " out=" << conv->out_channels << " kernel=" << conv->kernel;
      if (!conv->connections.empty()) {
        out << " connections=";
        for (std::size_t o = 0; o < conv->connections.size(); ++o) {
          if (o) out << ",";
          for (bool connected : conv->connections[o]) out << (connected ? '1' : '0');
        }
      }
      out << activation_field(conv->activation) << "\n";
    } else if (const auto* sub = std::get_if<SubsampleSpec>(&layer.op)) {
      out << "subsample " << layer.name << " pooling=" << to_string(sub->pooling)
          << (sub->trainable ? " trainable=yes" : "") << activation_field(sub->activation) << "\n";
    } else if (const auto* rbf = std::get_if<RbfSpec>(&layer.op)) {
      out << "rbf " << layer.name << " classes=" << rbf->classes << "\n";
    } else {
      const auto& dense = std::get<DenseSpec>(layer.op);
      out << "dense " << layer.name << " out=" << dense.out_features << activation_field(dense.activation) << "\n";
    }
  }
  out << "loss " << to_string(spec.loss);
  if (spec.loss == LossKind::map) out << " j=" << format_float(spec.map_constant);
  out << "\n";
  return out.str();
}

namespace {

struct LineParser {
  int line_number;
  std::vector<std::string> words;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("network description line " + std::to_string(line_number) + ": " + what);
  }
  int integer(const std::string& text) const {
    try {
      std::size_t used = 0;
      const int value = std::stoi(text, &used);
      if (used != text.size()) fail("'" + text + "' is not an integer");
      return value;
    } catch (const std::logic_error&) {
      fail("'" + text + "' is not an integer");
    }
  }
  float real(const std::string& text) const {
    try {
      std::size_t used = 0;
      const float value = std::stof(text, &used);
      if (used != text.size() || !std::isfinite(value)) fail("'" + text + "' is not a finite number");
      return value;
    } catch (const std::logic_error&) {
      fail("'" + text + "' is not a number");
    }
  }
  Activation activation(const std::string& text) const {
    for (Activation a : {Activation::relu, Activation::scaled_tanh, Activation::logistic})
      if (to_string(a) == text) return a;
    fail("unknown activation '" + text + "'");
  }
  bool yes_no(const std::string& text) const {
    if (text == "yes") return true;
    if (text == "no") return false;
    fail("expected yes or no, got '" + text + "'");
  }
  Pooling pooling(const std::string& text) const {
    if (text == "average") return Pooling::average;
    if (text == "max") return Pooling::max;
    fail("unknown pooling '" + text + "'");
  }
  std::vector<std::vector<bool>> table(const std::string& text) const {
    std::vector<std::vector<bool>> rows(1);
    for (char c : text) {
      if (c == ',') rows.emplace_back();
      else if (c == '0' || c == '1') rows.back().push_back(c == '1');
      else fail("connection table may hold only 0, 1 and commas");
    }
    return rows;
  }
  // Applies `key=value` words after the layer name through `apply`, which returns false for unknown keys.
  template <class Apply>
  void fields(Apply apply) const {
    for (std::size_t i = 2; i < words.size(); ++i) {
      const auto equals = words[i].find('=');
      if (equals == std::string::npos) fail("expected key=value, got '" + words[i] + "'");
      const std::string key = words[i].substr(0, equals), value = words[i].substr(equals + 1);
      if (!apply(key, value)) fail("unknown field '" + key + "'");
    }
  }
};

}  // namespace

NetworkSpec parse_network_spec(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kTextHeader)
    throw Error("network description must start with '" + std::string(kTextHeader) + "'");
  NetworkSpec spec;
  bool has_loss = false;
  for (int line_number = 2; std::getline(in, line); ++line_number) {
    LineParser p{line_number, {}};
    std::istringstream words(line);
    for (std::string word; words >> word;) p.words.push_back(word);
    if (p.words.empty()) continue;
    if (has_loss) p.fail("nothing may follow the loss line");
    const std::string& kind = p.words[0];
    const auto expect_words = [&](std::size_t n) {
      if (p.words.size() != n) p.fail("'" + kind + "' takes " + std::to_string(n - 1) + " values");
    };
    if (kind == "preset") {
      expect_words(2);
      spec.preset = p.words[1];
    } else if (kind == "input") {
      expect_words(4);
      spec.input = {p.integer(p.words[1]), p.integer(p.words[2]), p.integer(p.words[3])};
    } else if (kind == "scaling") {
      if (p.words.size() < 3 || p.words.size() % 2 == 0 || p.words.size() > 9)
        p.fail("'scaling' takes a background and a foreground value per channel");
      spec.scaling.clear();
      for (std::size_t i = 1; i < p.words.size(); i += 2) spec.scaling.push_back({p.real(p.words[i]), p.real(p.words[i + 1])});
    } else if (kind == "loss") {
      if (p.words.size() < 2) p.fail("'loss' needs a name");
      bool known = false;
      for (LossKind loss : {LossKind::softmax_cross_entropy, LossKind::mse, LossKind::map})
        if (to_string(loss) == p.words[1]) {
          spec.loss = loss;
          known = true;
        }
      if (!known) p.fail("unknown loss '" + p.words[1] + "'");
      p.fields([&](const std::string& key, const std::string& value) {
        if (key != "j" || spec.loss != LossKind::map) return false;
        spec.map_constant = p.real(value);
        return true;
      });
      has_loss = true;
    } else if (kind == "conv" || kind == "subsample" || kind == "dense" || kind == "rbf") {
      if (p.words.size() < 2) p.fail("a layer needs a name");
      LayerSpec layer{p.words[1], {}};
      if (kind == "conv") {
        ConvSpec conv;
        p.fields([&](const std::string& key, const std::string& value) {
          if (key == "out") conv.out_channels = p.integer(value);
          else if (key == "kernel") conv.kernel = p.integer(value);
          else if (key == "connections") conv.connections = p.table(value);
          else if (key == "activation") conv.activation = p.activation(value);
          else return false;
          return true;
        });
        layer.op = conv;
      } else if (kind == "subsample") {
        SubsampleSpec sub;
        p.fields([&](const std::string& key, const std::string& value) {
          if (key == "pooling") sub.pooling = p.pooling(value);
          else if (key == "trainable") sub.trainable = p.yes_no(value);
          else if (key == "activation") sub.activation = p.activation(value);
          else return false;
          return true;
        });
        layer.op = sub;
      } else if (kind == "rbf") {
        RbfSpec rbf;
        p.fields([&](const std::string& key, const std::string& value) {
          if (key != "classes") return false;
          rbf.classes = p.integer(value);
          return true;
        });
        layer.op = rbf;
      } else {
        DenseSpec dense;
        p.fields([&](const std::string& key, const std::string& value) {
          if (key == "out") dense.out_features = p.integer(value);
          else if (key == "activation") dense.activation = p.activation(value);
          else return false;
          return true;
        });
        layer.op = dense;
      }
      spec.layers.push_back(std::move(layer));
    } else {
      p.fail("unknown item '" + kind + "'");
    }
  }
  if (!has_loss) throw Error("network description has no loss line");
  summarize(spec);  // validates shapes and tables
  return spec;
}

}  // namespace lenet5
