#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "lenet5/data_formats.hpp"
#include "lenet5/network_spec.hpp"

namespace cli {

Args::Args(const CommandSpec& spec, const std::vector<std::string>& arguments) {
  bool options_ended = false;  // after "--", everything is a positional argument (a file named "-x.png")
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (!options_ended && (argument == "--help" || argument == "-h")) {
      help_ = true;
      return;
    }
    if (!options_ended && argument == "--") {
      options_ended = true;
      continue;
    }
    if (options_ended || argument.rfind("--", 0) != 0) {
      positionals_.push_back(argument);
      continue;
    }
    std::string name = argument.substr(2), value;
    const auto equals = name.find('=');
    const bool inline_value = equals != std::string::npos;
    if (inline_value) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    const OptionSpec* option = nullptr;
    for (const auto& candidate : spec.options)
      if (candidate.name == name) option = &candidate;
    if (!option) throw UsageError("unknown option --" + name + " for '" + spec.name + "'");
    if (option->value.empty()) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= arguments.size()) throw UsageError("--" + name + " needs a value (" + option->value + ")");
      value = arguments[++i];
    }
    values_[name].push_back(value);
  }
  if (positionals_.size() < spec.min_positionals) throw UsageError("missing arguments; usage: " + spec.usage);
  if (positionals_.size() > spec.max_positionals)
    throw UsageError("unexpected argument '" + positionals_[spec.max_positionals] + "'; usage: " + spec.usage);
}

std::optional<std::string> Args::get(const std::string& name) const {
  const auto found = values_.find(name);
  if (found == values_.end()) return std::nullopt;
  return found->second.back();
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  const auto found = values_.find(name);
  return found == values_.end() ? std::vector<std::string>{} : found->second;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

namespace {

// `text` read whole by `convert` (std::stol or std::stod), or nullopt when it is not one number.
template <class Convert>
auto read_number(const std::string& text, Convert convert) -> std::optional<decltype(convert(text, nullptr))> {
  std::size_t used = 0;
  try {
    const auto value = convert(text, &used);
    if (used > 0 && used == text.size()) return value;
  } catch (const std::logic_error&) {
  }
  return std::nullopt;
}

}  // namespace

long Args::get_int(const std::string& name, long fallback, long min, long max) const {
  const auto text = get(name);
  if (!text) return fallback;
  const auto value = read_number(*text, [](const std::string& t, std::size_t* used) { return std::stol(t, used); });
  if (!value) throw UsageError("--" + name + " needs an integer, got '" + *text + "'");
  if (*value < min || *value > max)
    throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return *value;
}

double Args::get_double(const std::string& name, double fallback, double min, double max) const {
  const auto text = get(name);
  if (!text) return fallback;
  const auto value = read_number(*text, [](const std::string& t, std::size_t* used) { return std::stod(t, used); });
  if (!value || !std::isfinite(*value)) throw UsageError("--" + name + " needs a number, got '" + *text + "'");
  if (*value < min || *value > max)
    throw UsageError("--" + name + " must be between " + json_number(min) + " and " + json_number(max));
  return *value;
}

std::string data_dir(const Args& args) { return lenet5::resolve_data_dir(args.get("data")); }

OptionSpec data_option() {
  return {"data", "DIR", "the dataset's folder: IDX files, image folders train/<class>/, CSV files or CIFAR-10\n"
                         "                          batches (docs/datasets.md; default: $LENET5_DATA, else data/mnist)"};
}
OptionSpec format_option() {
  return {"format", "NAME", "idx, folder, csv or cifar10 (default: recognised from the folder's files)"};
}
OptionSpec classes_option() {
  return {"classes", "FILE", "names for label values 0, 1, ... (one per line), for IDX, CSV or CIFAR-10 data\n"
                             "                          (e.g. Fashion-MNIST's: docs/datasets.md)"};
}
OptionSpec transpose_option() {
  return {"transpose", "", "IDX images are stored transposed (EMNIST's files)"};
}

lenet5::Dataset load_data(const Args& args, lenet5::Split split, const std::vector<std::string>* classes) {
  const std::string dir = data_dir(args);
  lenet5::DataOptions options;
  if (const auto name = args.get("format")) {
    options.format = lenet5::parse_data_format(*name);
    if (!options.format) throw UsageError("--format must be idx, folder, csv or cifar10");
  }
  options.transpose = args.flag("transpose");
  if (const auto names = args.get("classes")) options.class_names = lenet5::read_class_names(*names);
  if (isatty(STDERR_FILENO))
    options.on_progress = [](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "\r\033[Kdecoding images %zu/%zu", done, total);
      if (done == total) std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    };
  options.on_notice = [&](const std::string& message) { std::fprintf(stderr, "%s: note: %s\n", dir.c_str(), message.c_str()); };
  // No dataset at all: say how to get one. (A split missing from a dataset is the caller's to explain.)
  if (!options.format) try {
      options.format = lenet5::detect_data_format(dir);
    } catch (const lenet5::DataNotFound& error) {
      throw lenet5::DataNotFound(std::string(error.what()) +
                                 "; run scripts/fetch-mnist.sh or pass --data DIR / set LENET5_DATA");
    }
  return lenet5::load_dataset(dir, split, options, classes);
}

lenet5::Dataset load_data_for_model(const Args& args, lenet5::Split split, const std::vector<std::string>& model_classes) {
  try {
    return load_data(args, split, &model_classes);
  } catch (const lenet5::UnknownClass& error) {
    if (args.get("classes")) throw;
    throw lenet5::Error(std::string(error.what()) + "; to name the data's labels as the model does, give --classes FILE");
  }
}

namespace {

// Where the shipped models are: beside an installed binary (PREFIX/bin/lenet5 → PREFIX/share/lenet5/models,
// LENET5_INSTALLED_MODELS relative to the binary's folder), then the source checkout the binary was built from.
std::vector<std::filesystem::path> shipped_model_folders() {
  std::vector<std::filesystem::path> folders;
  std::error_code error;
  const std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) folders.push_back((binary.parent_path() / LENET5_INSTALLED_MODELS).lexically_normal());
  folders.emplace_back(LENET5_SOURCE_MODELS);
  return folders;
}

}  // namespace

std::string model_path(const Args& args, const std::optional<std::string>& given) {
  std::string name = given ? *given : args.get("model", "");
  if (name.empty()) {
    const char* environment = std::getenv("LENET5_MODEL");
    name = environment && *environment ? environment : "modern";
  }
  if (name != "modern" && name != "classic") return name;
  std::string looked;
  for (const auto& folder : shipped_model_folders()) {
    const std::filesystem::path file = folder / ("lenet5-" + name + ".model");
    if (std::filesystem::exists(file)) return file.string();
    looked += (looked.empty() ? "" : ", ") + folder.string();
  }
  throw lenet5::Error("the shipped " + name + " model is not installed (looked in " + looked +
                      "); pass --model FILE with a model from 'lenet5 train'");
}

OptionSpec model_option() {
  return {"model", "M", "model file, or 'modern' / 'classic' for a shipped model (default: $LENET5_MODEL, else modern)"};
}

std::string preset_option(const Args& args) {
  const std::string name = args.get("preset", "modern");
  const auto known = lenet5::preset_names();
  if (std::find(known.begin(), known.end(), name) != known.end()) return name;
  std::string list;
  for (const auto& preset : known) list += (list.empty() ? "" : " or ") + preset;
  throw UsageError("--preset must be " + list + ", got '" + name + "'");
}

std::string help_text(const CommandSpec& spec) {
  std::ostringstream out;
  out << "usage: " << spec.usage << "\n\n" << spec.summary << "\n";
  if (!spec.options.empty()) out << "\noptions:\n";
  for (const auto& option : spec.options) {
    std::string left = "  --" + option.name + (option.value.empty() ? "" : " " + option.value);
    if (left.size() < 26) left.resize(26, ' ');
    else left += "\n" + std::string(26, ' ');
    out << left << option.help << "\n";
  }
  out << "  --help                  show this help\n";
  return out.str();
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

}  // namespace cli
