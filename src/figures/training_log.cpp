// Reading `lenet5 train --json` logs: one flat JSON object per epoch.
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

namespace {

constexpr std::size_t kMaxLogBytes = std::size_t{64} << 20;
constexpr double kMaxEpoch = 1e9;

// A number as a message shows it: the shortest text that reads back as it ("inf" and "nan" as such).
std::string format_number(double value) {
  std::array<char, 32> text{};
  return {text.data(), std::to_chars(text.data(), text.data() + text.size(), value).ptr};
}

// A flat JSON object's values: numbers, null (nullopt) and strings or booleans (kept out: no epoch field is
// one). Throws a bare message; the caller names the file and line.
class FlatObject {
 public:
  explicit FlatObject(const std::string& text) : text_(text) {
    expect('{');
    if (peek() == '}') {
      ++at_;
    } else {
      do {
        const std::string key = string();
        expect(':');
        values_[key] = value();
      } while (take(','));
      expect('}');
    }
    if (peek() != '\0') fail("text after the object");
  }

  // The number under `key`; nullopt for null; throws when the key is missing or holds something else.
  std::optional<double> number(const std::string& key) const {
    const auto found = values_.find(key);
    if (found == values_.end()) throw std::runtime_error("no \"" + key + "\"");
    if (found->second.kind == Value::Kind::other) throw std::runtime_error("\"" + key + "\" is not a number");
    if (found->second.kind == Value::Kind::null) return std::nullopt;
    return found->second.number;
  }
  bool has(const std::string& key) const { return values_.count(key) > 0; }

 private:
  struct Value {
    enum class Kind { number, null, other } kind = Kind::other;
    double number = 0;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("not a JSON object as `lenet5 train --json` writes (" + what + " at column " +
                             std::to_string(at_ + 1) + ")");
  }
  char peek() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
    return at_ < text_.size() ? text_[at_] : '\0';
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string() {
    expect('"');
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      if (text_[at_] == '\\') ++at_;  // an escaped character stands for itself (no key needs more)
      if (at_ < text_.size()) out += text_[at_++];
    }
    if (at_ >= text_.size()) fail("an unterminated string");
    ++at_;
    return out;
  }
  Value value() {
    const char c = peek();
    if (c == '"') {
      string();
      return {};
    }
    for (const std::string word : {"null", "true", "false"})
      if (text_.compare(at_, word.size(), word) == 0) {
        at_ += word.size();
        return word == "null" ? Value{Value::Kind::null, 0} : Value{};
      }
    const char* start = text_.c_str() + at_;
    char* end = nullptr;
    const double number = std::strtod(start, &end);
    if (end == start || !(c == '-' || std::isdigit(static_cast<unsigned char>(c)))) fail("expected a value");
    at_ += std::size_t(end - start);
    return {Value::Kind::number, number};
  }

  const std::string& text_;
  std::size_t at_ = 0;
  std::map<std::string, Value> values_;
};

}  // namespace

TrainingLog read_training_log(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_whole_file(path, kMaxLogBytes);
  const std::string text(bytes.begin(), bytes.end());
  TrainingLog log;
  // "runs/lenet5-modern.train.jsonl" → "lenet5-modern"
  log.label = std::filesystem::path(path).filename().string();
  log.label = log.label.substr(0, log.label.find('.'));
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const FlatObject object(line);
      const bool validation = object.has("validation_accuracy");
      const std::string held_out = validation ? "validation" : "test";
      if (!log.epochs.empty() && held_out != log.held_out)
        throw std::runtime_error("its held-out accuracy changes from " + log.held_out + " to " + held_out);
      log.held_out = held_out;
      EpochRecord record;
      const auto required = [&](const std::string& key) {
        const std::optional<double> value = object.number(key);
        if (!value) throw std::runtime_error("\"" + key + "\" is null");
        return *value;
      };
      // What `train` writes: whole epochs counted from 1, a finite loss of at least 0, accuracies as fractions.
      const auto within = [&](const std::string& key, double value, double low, double high) {
        if (!(value >= low && value <= high))
          throw std::runtime_error("\"" + key + "\" is " + format_number(value) + ", not between " +
                                   format_number(low) + " and " + format_number(high));
        return value;
      };
      const double epoch = within("epoch", required("epoch"), 1, kMaxEpoch);
      if (epoch != std::floor(epoch)) throw std::runtime_error("\"epoch\" is " + format_number(epoch) + ", not a whole number");
      record.epoch = int(epoch);
      record.train_loss = required("train_loss");
      if (!(record.train_loss >= 0 && std::isfinite(record.train_loss)))
        throw std::runtime_error("\"train_loss\" is " + format_number(record.train_loss) + ", not a finite number of at least 0");
      record.train_accuracy = within("train_accuracy", required("train_accuracy"), 0, 1);
      if (const std::optional<double> accuracy = object.number(held_out + "_accuracy"))
        record.held_out_accuracy = within(held_out + "_accuracy", *accuracy, 0, 1);
      log.epochs.push_back(record);
    } catch (const std::runtime_error& error) {
      throw Error(path + ": line " + std::to_string(line_number) + ": " + error.what());
    }
  }
  if (log.epochs.empty())
    throw Error(path + ": no epochs in the log (`lenet5 train --json` writes one JSON object per epoch)");
  return log;
}

}  // namespace lenet5
