// The training checkpoint, format version 2 (docs/model-format.md; version 1 lacks touching_pairs): the run described as text, the model
// as its model file, the optimizer's buffers, a CRC-32.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "core/bit_cast.hpp"
#include "io/atomic_file.hpp"
#include "io/file_bytes.hpp"
#include "lenet5/error.hpp"
#include "lenet5/train.hpp"
#include "nn/optimizer.hpp"

namespace lenet5 {
namespace {

constexpr std::array<std::uint8_t, 8> kMagic{'L', '5', 'C', 'K', 'P', 'T', 0x1A, '\n'};
constexpr std::uint32_t kFormatVersion = 2;
constexpr std::size_t kMaxRunBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxModelBytes = std::size_t{256} << 20;  // as load_model
// Header and the three length fields and the checksum, around the run description, model and values.
constexpr std::size_t kFixedBytes = kMagic.size() + 4 + 4 + 8 + 8 + 4;

// Floats as the shortest text that reads back exactly, and read back. libc++ 13 (Debian's emscripten: the
// WebAssembly build, which writes no checkpoints) lacks the floating-point std::to_chars and from_chars:
// there the shortest printf %g that reads back, and strtof.
std::string float_text(float value) {
#if __cpp_lib_to_chars >= 201611L
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
#else
  char buffer[32];
  for (int digits = 1;; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, double(value));
    if (digits == 9 || std::strtof(buffer, nullptr) == value) return buffer;
  }
#endif
}

std::from_chars_result float_from_text(const char* first, const char* last, float& value) {
#if __cpp_lib_to_chars >= 201611L
  return std::from_chars(first, last, value);
#else
  const std::string text(first, last);
  char* end = nullptr;
  value = std::strtof(text.c_str(), &end);
  return {first + (end - text.c_str()), end == text.c_str() ? std::errc::invalid_argument : std::errc()};
#endif
}

std::string hex_text(std::uint32_t value) {
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", value);
  return buffer;
}

// The run description: one "key value" line per item, in this order; the data source's words last, one
// per "source" line.
std::string run_text(const TrainCheckpoint& checkpoint) {
  const TrainOptions& options = checkpoint.options;
  const DataFingerprint& data = checkpoint.data;
  std::string text = "epochs_done " + std::to_string(checkpoint.epochs_done) + "\n";
  text += "epochs " + std::to_string(options.epochs) + "\n";
  text += "batch " + std::to_string(options.batch) + "\n";
  text += "optimizer " + to_string(options.optimizer) + "\n";
  text += "learning_rate " + float_text(options.learning_rate) + "\n";
  text += "schedule " + to_string(options.schedule) + "\n";
  text += "step_epochs " + std::to_string(options.step_epochs) + "\n";
  text += "momentum " + float_text(options.momentum) + "\n";
  text += "weight_decay " + float_text(options.weight_decay) + "\n";
  text += std::string("distortions ") + (options.distortions ? "yes" : "no") + "\n";
  text += "stroke_change " + float_text(options.stroke_change) + "\n";
  text += "touching_pairs " + float_text(options.touching_pairs) + "\n";
  text += "sdlm_mu " + float_text(options.sdlm_mu) + "\n";
  text += "curvature_samples " + std::to_string(options.curvature_samples) + "\n";
  text += "seed " + std::to_string(options.seed) + "\n";
  text += "threads " + std::to_string(options.threads) + "\n";
  text += "optimizer_steps " + std::to_string(checkpoint.optimizer.steps) + "\n";
  text += "data " + std::to_string(data.count) + " " + std::to_string(data.images.channels) + " " +
          std::to_string(data.images.height) + " " + std::to_string(data.images.width) + " " +
          std::to_string(data.classes) + " " + hex_text(data.images_crc) + " " + hex_text(data.labels_crc) + " " +
          hex_text(data.class_names_crc) + "\n";
  for (const std::string& word : options.data_source) text += "source " + escape_name(word) + "\n";
  return text;
}

// Reads run_text's lines back in order; every message starts with `context`.
class RunReader {
 public:
  RunReader(const std::string& text, const std::string& context) : text_(text), context_(context) {}

  // The value of the next line, which must be "key value".
  std::string value(const std::string& key) {
    const std::string line = next_line();
    if (!line.starts_with(key + " "))
      fail("line " + std::to_string(line_number_) + " should be '" + key + " …', it is '" + line.substr(0, 60) + "'");
    return line.substr(key.size() + 1);
  }
  bool at_end() const { return position_ == text_.size(); }

  template <class Number>
  Number number(const std::string& key, int base = 10) {
    return parse<Number>(value(key), key, base);
  }

  template <class Number>
  Number parse(const std::string& text, const std::string& what, int base = 10) {
    Number number{};
    const char* end = text.data() + text.size();
    std::from_chars_result result;
    if constexpr (std::is_floating_point_v<Number>) result = float_from_text(text.data(), end, number);
    else result = std::from_chars(text.data(), end, number, base);
    if (text.empty() || result.ec != std::errc() || result.ptr != end) fail(what + " '" + text + "' is not a number");
    if constexpr (std::is_floating_point_v<Number>)
      if (!std::isfinite(number)) fail(what + " is " + text + ", not a finite number");
    return number;
  }

  [[noreturn]] void fail(const std::string& what) const { throw Error(context_ + ": the run description: " + what); }

 private:
  std::string next_line() {
    if (at_end()) fail("it ends before its line " + std::to_string(line_number_ + 1));
    const std::size_t end = text_.find('\n', position_);
    if (end == std::string::npos) fail("it does not end with a line feed");
    const std::string line = text_.substr(position_, end - position_);
    position_ = end + 1;
    ++line_number_;
    return line;
  }

  const std::string& text_;
  const std::string& context_;
  std::size_t position_ = 0;
  int line_number_ = 0;
};

// Parses the run description into `checkpoint`, all but its model and optimizer buffers.
void parse_run(const std::string& text, std::uint32_t version, TrainCheckpoint& checkpoint,
               const std::string& context) {
  RunReader reader(text, context);
  TrainOptions& options = checkpoint.options;
  checkpoint.epochs_done = reader.number<int>("epochs_done");
  options.epochs = reader.number<int>("epochs");
  options.batch = reader.number<int>("batch");
  const std::string optimizer = reader.value("optimizer");
  if (!parse_optimizer(optimizer)) reader.fail("unknown optimizer '" + optimizer + "'");
  options.optimizer = *parse_optimizer(optimizer);
  options.learning_rate = reader.number<float>("learning_rate");
  const std::string schedule = reader.value("schedule");
  if (!parse_schedule(schedule)) reader.fail("unknown schedule '" + schedule + "'");
  options.schedule = *parse_schedule(schedule);
  options.step_epochs = reader.number<int>("step_epochs");
  options.momentum = reader.number<float>("momentum");
  options.weight_decay = reader.number<float>("weight_decay");
  const std::string distortions = reader.value("distortions");
  if (distortions != "yes" && distortions != "no") reader.fail("distortions is '" + distortions + "', not yes or no");
  options.distortions = distortions == "yes";
  options.stroke_change = reader.number<float>("stroke_change");
  if (version >= 2) options.touching_pairs = reader.number<float>("touching_pairs");
  options.sdlm_mu = reader.number<float>("sdlm_mu");
  options.curvature_samples = reader.number<int>("curvature_samples");
  options.seed = reader.number<std::uint64_t>("seed");
  options.threads = reader.number<int>("threads");
  checkpoint.optimizer.steps = reader.number<std::uint64_t>("optimizer_steps");
  const std::string data = reader.value("data");
  std::array<std::string, 8> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t end = i + 1 < fields.size() ? data.find(' ', start) : data.size();
    if (end == std::string::npos) reader.fail("the 'data' line needs 8 fields");
    fields[i] = data.substr(start, end - start);
    start = end + 1;
  }
  DataFingerprint& fingerprint = checkpoint.data;
  fingerprint.count = reader.parse<std::uint64_t>(fields[0], "the image count");
  fingerprint.images = {reader.parse<int>(fields[1], "the channels"), reader.parse<int>(fields[2], "the rows"),
                        reader.parse<int>(fields[3], "the columns")};
  fingerprint.classes = reader.parse<std::uint32_t>(fields[4], "the class count");
  fingerprint.images_crc = reader.parse<std::uint32_t>(fields[5], "the images' CRC", 16);
  fingerprint.labels_crc = reader.parse<std::uint32_t>(fields[6], "the labels' CRC", 16);
  fingerprint.class_names_crc = reader.parse<std::uint32_t>(fields[7], "the class names' CRC", 16);
  while (!reader.at_end())
    options.data_source.push_back(unescape_name(reader.value("source"), context + ": the run description"));
  if (options.epochs < 1 || checkpoint.epochs_done < 1 || checkpoint.epochs_done > options.epochs)
    reader.fail("epoch " + std::to_string(checkpoint.epochs_done) + " of " + std::to_string(options.epochs) +
                " is not a run's epoch");
  if (options.threads < 1) reader.fail("the run's thread count must be 1 or more");
}

// The same rule for a checkpoint about to be saved and one just loaded, so that a saved one always loads.
void check_optimizer_state(const TrainCheckpoint& checkpoint, const std::string& context) {
  try {
    nn::make_optimizer(checkpoint.options, checkpoint.model.parameters.size())->restore(checkpoint.optimizer);
  } catch (const Error& error) {
    throw Error(context + ": " + error.what() + " (" + to_string(checkpoint.options.optimizer) + ", " +
                std::to_string(checkpoint.model.parameters.size()) + " parameters)");
  }
}

std::vector<std::uint8_t> serialize_checkpoint(const TrainCheckpoint& checkpoint) {
  const TrainOptions& options = checkpoint.options;
  if (checkpoint.epochs_done < 1 || checkpoint.epochs_done > options.epochs || options.threads < 1)
    throw Error("cannot save a checkpoint: it must be taken after an epoch of the run, on a known thread count");
  check_optimizer_state(checkpoint, "cannot save a checkpoint");
  const std::string run = run_text(checkpoint);
  if (run.size() > kMaxRunBytes) throw Error("cannot save a checkpoint: its run description is over 1 MiB");
  const std::vector<std::uint8_t> model = serialize_model(checkpoint.model);
  const std::vector<float>& values = checkpoint.optimizer.buffers;
  std::vector<std::uint8_t> bytes(kMagic.begin(), kMagic.end());
  bytes.reserve(kFixedBytes + run.size() + model.size() + 4 * values.size());
  put_le<std::uint32_t>(bytes, kFormatVersion);
  put_le<std::uint32_t>(bytes, static_cast<std::uint32_t>(run.size()));
  bytes.insert(bytes.end(), run.begin(), run.end());
  put_le<std::uint64_t>(bytes, model.size());
  bytes.insert(bytes.end(), model.begin(), model.end());
  put_le<std::uint64_t>(bytes, values.size());
  for (const float value : values) put_le<std::uint32_t>(bytes, bit_cast<std::uint32_t>(value));
  put_le<std::uint32_t>(bytes, crc32_of(bytes.data(), bytes.size()));
  return bytes;
}

// As deserialize_model: every length is checked against the real size before it is used, and the lengths
// before the checksum, so that a cut-off file is reported as such.
TrainCheckpoint deserialize_checkpoint(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  const auto fail = [&](const std::string& what) { throw Error(path + ": " + what); };
  const std::size_t size = bytes.size();
  // A file shorter than the magic that starts like it is reported as truncated.
  const auto starts_like = [&](const std::array<std::uint8_t, 8>& magic) {
    return std::equal(bytes.begin(), bytes.begin() + std::ptrdiff_t(std::min(size, magic.size())), magic.begin());
  };
  if (size >= kModelMagic.size() && starts_like(kModelMagic))
    fail("a model file, not a training checkpoint (a run writes its checkpoint to OUT.checkpoint)");
  if (!starts_like(kMagic))
    fail("not a lenet5 training checkpoint (it does not start with the L5CKPT magic bytes)");
  const auto truncated = [&](const std::string& promised) {
    fail("truncated (" + promised + " but the file has only " + std::to_string(size) + " bytes)");
  };
  if (size < kMagic.size() + 8) truncated("the header is 16 bytes");
  const auto version = get_le<std::uint32_t>(&bytes[kMagic.size()]);
  if (version < 1 || version > kFormatVersion)
    fail("checkpoint format version " + std::to_string(version) + " is not supported (this build reads versions 1 to " +
         std::to_string(kFormatVersion) + ")");
  const std::size_t run_bytes = get_le<std::uint32_t>(&bytes[kMagic.size() + 4]);
  if (run_bytes > kMaxRunBytes)
    fail("run description length " + std::to_string(run_bytes) + " is over the 1 MiB limit");
  const std::size_t run_offset = kMagic.size() + 8, model_length_offset = run_offset + run_bytes;
  if (size < model_length_offset + 8 + 8 + 4)
    truncated("the header promises a " + std::to_string(run_bytes) + "-byte run description");
  const auto model_bytes = get_le<std::uint64_t>(&bytes[model_length_offset]);
  const std::size_t model_offset = model_length_offset + 8;
  if (model_bytes > kMaxModelBytes)
    fail("model length " + std::to_string(model_bytes) + " is over the 256 MiB limit");
  if (size < model_offset + model_bytes + 8 + 4)
    truncated("the header promises a " + std::to_string(model_bytes) + "-byte model");
  const std::size_t values_length_offset = model_offset + std::size_t(model_bytes);
  const auto value_count = get_le<std::uint64_t>(&bytes[values_length_offset]);
  const std::size_t values_offset = values_length_offset + 8;
  if (value_count > (size - values_offset - 4) / 4)
    truncated("the header promises " + std::to_string(value_count) + " optimizer values");
  const std::size_t expected_size = values_offset + 4 * std::size_t(value_count) + 4;
  if (size != expected_size)
    fail(std::to_string(size - expected_size) + " trailing bytes after the checksum (the header promises a " +
         std::to_string(expected_size) + "-byte file)");
  if (get_le<std::uint32_t>(&bytes[size - 4]) != crc32_of(bytes.data(), size - 4))
    fail("checksum mismatch: file is corrupt");

  TrainCheckpoint checkpoint;
  parse_run(std::string(reinterpret_cast<const char*>(&bytes[run_offset]), run_bytes), version, checkpoint, path);
  checkpoint.model = deserialize_model(
      {bytes.begin() + std::ptrdiff_t(model_offset), bytes.begin() + std::ptrdiff_t(values_length_offset)},
      path + ": its model");
  checkpoint.optimizer.buffers.resize(std::size_t(value_count));
  for (std::size_t i = 0; i < checkpoint.optimizer.buffers.size(); ++i)
    checkpoint.optimizer.buffers[i] = bit_cast<float>(get_le<std::uint32_t>(&bytes[values_offset + 4 * i]));
  check_optimizer_state(checkpoint, path);
  checkpoint.options.checkpoint_path = path;
  return checkpoint;
}

}  // namespace

void save_checkpoint(const TrainCheckpoint& checkpoint, const std::string& path) {
  write_file_atomically(path, serialize_checkpoint(checkpoint));
}

TrainCheckpoint load_checkpoint(const std::string& path) {
  // The optimizer's buffers are at most two values per parameter: twice the model's size.
  return deserialize_checkpoint(read_whole_file(path, kFixedBytes + kMaxRunBytes + 3 * kMaxModelBytes), path);
}

}  // namespace lenet5
