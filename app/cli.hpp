#pragma once
// Shared pieces of the command-line tool: option parsing, JSON output, the command table.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lenet5/dataset.hpp"

namespace cli {

// A mistake in how the tool was called: printed with a pointer to --help, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;     // without the leading "--"
  std::string value;    // placeholder such as "N"; empty for a flag
  std::string help;
};

struct CommandSpec {
  std::string name;
  std::string usage;    // e.g. "lenet5 eval MODEL [options]"
  std::string summary;
  std::vector<OptionSpec> options;
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;
};

// Parsed command line of one command; typed getters validate and throw UsageError naming the option.
class Args {
 public:
  Args(const CommandSpec& spec, const std::vector<std::string>& arguments);

  bool help() const { return help_; }
  bool flag(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;  // the last value given
  std::vector<std::string> get_all(const std::string& name) const;  // every value, in order (repeatable options)
  std::string get(const std::string& name, const std::string& fallback) const;
  long get_int(const std::string& name, long fallback, long min, long max) const;
  double get_double(const std::string& name, double fallback, double min, double max) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

std::string help_text(const CommandSpec& spec);

// --preset's value (default modern), checked against the library's presets: a UsageError if unknown.
std::string preset_option(const Args& args);

// The folder --data names, else $LENET5_DATA, else data/mnist.
std::string data_dir(const Args& args);
// The options of every command that reads a dataset: --data, --format, --transpose, --classes.
OptionSpec data_option();
OptionSpec format_option();
OptionSpec transpose_option();
OptionSpec classes_option();
// A split of the dataset in data_dir(args), read as --format, --transpose and --classes say; with `classes`, its labels
// are matched to those names (a model's, or the training split's). Decoding progress and the loader's notes
// go to stderr. When its files are missing, the error says how to get them.
lenet5::Dataset load_data(const Args& args, lenet5::Split split, const std::vector<std::string>* classes = nullptr);
// load_data matched to a model's classes, for commands that evaluate it: labels the model does not know
// (numbers, for a model that names its classes) say how to name them.
lenet5::Dataset load_data_for_model(const Args& args, lenet5::Split split, const std::vector<std::string>& model_classes);

// The model file a command reads: `given` (a positional model, kept as an alias), else --model, else
// $LENET5_MODEL, else "modern". "modern" and "classic" name the shipped models (models/ in a source
// checkout, share/lenet5/models where installed); anything else is a file. Throws lenet5::Error when a
// shipped model is not there.
std::string model_path(const Args& args, const std::optional<std::string>& given = std::nullopt);
// The --model option as every command that reads a model lists it.
OptionSpec model_option();

// Minimal JSON output: escaped strings, and numbers with 10 significant digits (non-finite ones as null).
std::string json_string(const std::string& text);
std::string json_number(double value);
// "[a,b,…]": each item written by `format`.
template <class Items, class Format>
std::string json_array(const Items& items, Format format) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += format(item);
  }
  return out + "]";
}

// A command: its options and what it does once they are parsed (main handles --help).
struct Command {
  CommandSpec spec;
  int (*run)(const Args& args);
};

extern const Command kTrain, kEval, kPredict, kInfo, kBench, kPicture, kExport;

}  // namespace cli
