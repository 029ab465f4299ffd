// End-to-end tests of the `lenet5` command-line tool: every command's happy path and its main failure paths,
// checked by exit code and by what the tool says. They need no MNIST download: the suite writes a small
// synthetic, learnable dataset in MNIST's IDX format (some files gzip-compressed) and trains one model on it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/preprocess.hpp"

extern char** environ;

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------------------
// Running the tool

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Shown by gtest when an expectation on a result fails, so every failure carries the tool's own words.
std::ostream& operator<<(std::ostream& os, const CommandResult& result) {
  return os << "exit code " << result.exit_code << "\n--- stdout ---\n" << result.out << "--- stderr ---\n"
            << result.err;
}

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_text(const fs::path& path, const std::string& text) { write_bytes(path, Bytes(text.begin(), text.end())); }

std::string read_text(const fs::path& path) {
  const Bytes bytes = read_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

// Runs the CLI with `arguments` (no shell, so nothing needs quoting); stdout and stderr go to files in
// `capture_dir`, so neither pipe can fill up and block the child.
// The tool's command line: its path, then the arguments; and as argv, pointing into `words`.
std::vector<std::string> cli_words(const std::vector<std::string>& arguments) {
  std::vector<std::string> words{LENET5_CLI};
  words.insert(words.end(), arguments.begin(), arguments.end());
  return words;
}
std::vector<char*> argv_of(std::vector<std::string>& words) {
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  return argv;
}

// Runs the tool; `input`, when given, is its standard input.
CommandResult run_cli(const std::vector<std::string>& arguments, const fs::path& capture_dir, const fs::path& input = {}) {
  const fs::path out_path = capture_dir / "cli.stdout", err_path = capture_dir / "cli.stderr";
  std::vector<std::string> words = cli_words(arguments);
  const std::vector<char*> argv = argv_of(words);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!input.empty()) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input.c_str(), O_RDONLY, 0);
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) throw std::runtime_error(std::string("cannot start ") + LENET5_CLI);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return result;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------
// A minimal JSON reader: enough to check that each line the tool prints is one well-formed JSON value
// and to look inside it.

struct Json {
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> value;

  bool has(const std::string& key) const {
    for (const auto& [name, member] : std::get<Object>(value))
      if (name == key) return true;
    return false;
  }
  const Json& operator[](const std::string& key) const {
    for (const auto& [name, member] : std::get<Object>(value))
      if (name == key) return member;
    throw std::runtime_error("JSON object has no key '" + key + "'");
  }
  const Array& array() const { return std::get<Array>(value); }
  double number() const { return std::get<double>(value); }
  const std::string& string() const { return std::get<std::string>(value); }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : text_(text) {}

  Json parse_document() {
    Json json = parse_value();
    skip_space();
    if (position_ != text_.size()) fail("trailing characters");
    return json;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("bad JSON (" + what + " at byte " + std::to_string(position_) + "): " + text_);
  }
  void skip_space() {
    while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) ++position_;
  }
  bool consume(char c) {
    skip_space();
    if (position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  bool consume_word(const std::string& word) {
    if (text_.compare(position_, word.size(), word) != 0) return false;
    position_ += word.size();
    return true;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (position_ < text_.size() && text_[position_] != '"') {
      char c = text_[position_++];
      if (c == '\\') {
        if (position_ >= text_.size()) fail("unfinished escape");
        c = text_[position_++];
        if (c == 'n') c = '\n';
        else if (c == 't') c = '\t';
        else if (c == 'r') c = '\r';
        else if (c == 'u') fail("\\u escapes are not needed by these tests");
      }
      out += c;
    }
    expect('"');
    return out;
  }

  Json parse_value() {
    skip_space();
    if (position_ >= text_.size()) fail("unexpected end");
    const char c = text_[position_];
    if (c == '"') return {parse_string()};
    if (consume('{')) {
      Json::Object object;
      if (consume('}')) return {object};
      do {
        skip_space();
        std::string key = parse_string();
        expect(':');
        object.emplace_back(std::move(key), parse_value());
      } while (consume(','));
      expect('}');
      return {object};
    }
    if (consume('[')) {
      Json::Array array;
      if (consume(']')) return {array};
      do array.push_back(parse_value());
      while (consume(','));
      expect(']');
      return {array};
    }
    if (consume_word("null")) return {nullptr};
    if (consume_word("true")) return {true};
    if (consume_word("false")) return {false};
    std::size_t used = 0;
    double number = 0;
    try {
      number = std::stod(text_.substr(position_), &used);
    } catch (const std::logic_error&) {
      fail("expected a value");
    }
    position_ += used;
    return {number};
  }

  const std::string& text_;
  std::size_t position_ = 0;
};

Json parse_json(const std::string& text) { return JsonParser(text).parse_document(); }

std::vector<double> numbers(const Json& json) {
  std::vector<double> values;
  for (const Json& element : json.array()) values.push_back(element.number());
  return values;
}

// ---------------------------------------------------------------------------------------------------------
// A synthetic MNIST: class k is a bright 7×7 blob whose place on a 5×2 grid encodes k, jittered by up to a
// pixel, over faint noise. Learnable in two short epochs, which is all the CLI needs to show it trains.

constexpr int kSide = 28;

lenet5::GreyImage synthetic_digit(int label, std::mt19937& random) {
  lenet5::GreyImage image{kSide, kSide, Bytes(kSide * kSide)};
  for (auto& pixel : image.pixels) pixel = static_cast<std::uint8_t>(random() % 40);
  const int jitter_x = int(random() % 3) - 1, jitter_y = int(random() % 3) - 1;
  const int left = 1 + (label % 5) * 5 + jitter_x, top = 5 + (label / 5) * 11 + jitter_y;
  for (int y = top; y < top + 7; ++y)
    for (int x = left; x < left + 7; ++x)
      image.pixels[std::size_t(y) * kSide + x] = static_cast<std::uint8_t>(200 + random() % 56);
  return image;
}

lenet5::GreyImage inverted(lenet5::GreyImage image) {
  for (auto& pixel : image.pixels) pixel = static_cast<std::uint8_t>(255 - pixel);
  return image;
}

void append_big_endian(Bytes& bytes, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(value >> shift));
}

// An unsigned-byte IDX file: magic 0x0000'08'<rank>, each dimension big-endian, then the bytes.
Bytes idx_file(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes bytes{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t dim : dims) append_big_endian(bytes, dim);
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

// One gzip member, as `gzip` writes it (16 + MAX_WBITS asks zlib for the gzip wrapper).
Bytes gzip(const Bytes& plain) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  Bytes out(deflateBound(&stream, static_cast<uLong>(plain.size())) + 32);
  stream.next_in = const_cast<Bytef*>(plain.data());
  stream.avail_in = static_cast<uInt>(plain.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(stream.total_out);
  return out;
}

// Writes `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` (each with ".gz" and compressed
// when asked) holding `count` synthetic digits of random classes.
void write_split(const fs::path& dir, const std::string& prefix, std::uint32_t count, std::mt19937& random,
                 bool gzip_images, bool gzip_labels) {
  Bytes images, labels;
  for (std::uint32_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(random() % 10);
    const lenet5::GreyImage digit = synthetic_digit(label, random);
    images.insert(images.end(), digit.pixels.begin(), digit.pixels.end());
    labels.push_back(static_cast<std::uint8_t>(label));
  }
  const Bytes image_file = idx_file({count, kSide, kSide}, images), label_file = idx_file({count}, labels);
  const std::string image_name = prefix + "-images-idx3-ubyte", label_name = prefix + "-labels-idx1-ubyte";
  write_bytes(dir / (image_name + (gzip_images ? ".gz" : "")), gzip_images ? gzip(image_file) : image_file);
  write_bytes(dir / (label_name + (gzip_labels ? ".gz" : "")), gzip_labels ? gzip(label_file) : label_file);
}

// ---------------------------------------------------------------------------------------------------------
// The fixture: one dataset and one trained model per suite; a fresh scratch folder per test.

constexpr std::uint32_t kTrainCount = 512;
constexpr std::uint32_t kTestCount = 200;

class Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("lenet5-cli-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "trained");
    data_dir_ = root_ / "data";
    std::mt19937 random(20240607);
    write_split(data_dir_, "train", kTrainCount, random, /*gzip_images=*/true, /*gzip_labels=*/false);
    write_split(data_dir_, "t10k", kTestCount, random, /*gzip_images=*/false, /*gzip_labels=*/true);
    model_ = root_ / "trained" / "lenet5.model";
    training_ = run_cli(train_arguments(model_, kSeed), root_);
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void SetUp() override {
    ASSERT_EQ(training_.exit_code, 0) << "the suite's training run failed:\n" << training_;
    scratch_ = root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(scratch_);
  }

  static constexpr int kSeed = 7;

  // The suite's training recipe: two epochs, two threads, JSON output; `extra` adds or overrides options.
  static std::vector<std::string> train_arguments(const fs::path& out, int seed,
                                                  const std::vector<std::string>& extra = {}) {
    std::vector<std::string> arguments{"train", "--data", data_dir_.string(), "--epochs", "2", "--batch", "16",
                                       "--threads", "2", "--seed", std::to_string(seed), "--out", out.string(),
                                       "--json"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return arguments;
  }

  CommandResult lenet5(const std::vector<std::string>& arguments) const { return run_cli(arguments, scratch_); }

  // Writes `image` into the scratch folder as PGM or PNG, by the name's extension.
  std::string save_image(const lenet5::GreyImage& image, const std::string& name) const {
    const std::string path = (scratch_ / name).string();
    if (name.ends_with(".png")) lenet5::write_png(image, path);
    else lenet5::write_pgm(image, path);
    return path;
  }

  std::string save_bytes(const Bytes& bytes, const std::string& name) const {
    write_bytes(scratch_ / name, bytes);
    return (scratch_ / name).string();
  }

  // One JSON object per line of `predict --json` output.
  std::vector<Json> predict_json(const std::vector<std::string>& images,
                                 const std::vector<std::string>& options = {}) const {
    std::vector<std::string> arguments{"predict", model_.string()};
    arguments.insert(arguments.end(), images.begin(), images.end());
    arguments.insert(arguments.end(), options.begin(), options.end());
    arguments.push_back("--json");
    const CommandResult result = lenet5(arguments);
    EXPECT_EQ(result.exit_code, 0) << result;
    std::vector<Json> predictions;
    for (const auto& line : lines_of(result.out)) predictions.push_back(parse_json(line));
    return predictions;
  }

  static inline fs::path root_, data_dir_, model_;
  static inline CommandResult training_;
  fs::path scratch_;
};

// A failed command: the expected exit code and each fragment somewhere in stderr.
void expect_failure(const CommandResult& result, int exit_code, const std::vector<std::string>& fragments) {
  EXPECT_EQ(result.exit_code, exit_code) << result;
  for (const auto& fragment : fragments) EXPECT_THAT(result.err, HasSubstr(fragment)) << result;
}

// ---------------------------------------------------------------------------------------------------------
// The tool itself

TEST_F(Cli, NoArgumentsPrintsUsageAndExits2) {
  const CommandResult result = lenet5({});
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_THAT(result.out, AllOf(HasSubstr("usage: lenet5 COMMAND"), HasSubstr("train"), HasSubstr("eval"),
                                HasSubstr("predict"), HasSubstr("info")));
}

TEST_F(Cli, HelpPrintsUsageAndSucceeds) {
  for (const std::string flag : {"--help", "-h", "help"}) {
    const CommandResult result = lenet5({flag});
    EXPECT_EQ(result.exit_code, 0) << flag << "\n" << result;
    EXPECT_THAT(result.out, HasSubstr("usage: lenet5 COMMAND")) << flag;
    EXPECT_EQ(result.err, "") << flag;
  }
}

TEST_F(Cli, EveryCommandHasHelp) {
  for (const std::string command : {"train", "eval", "predict", "info", "export"}) {
    const CommandResult result = lenet5({command, "--help"});
    EXPECT_EQ(result.exit_code, 0) << command << "\n" << result;
    EXPECT_THAT(result.out, AllOf(HasSubstr("usage: lenet5 " + command), HasSubstr("--help"))) << command;
  }
}

TEST_F(Cli, VersionPrintsNameAndVersion) {
  const CommandResult result = lenet5({"--version"});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_THAT(result.out, ::testing::MatchesRegex("lenet5 [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

TEST_F(Cli, UnknownCommandExits2AndPointsAtTheToolsHelp) {
  const CommandResult result = lenet5({"frobnicate"});
  expect_failure(result, 2, {"unknown command 'frobnicate'", "'lenet5 --help'"});
  EXPECT_THAT(result.err, Not(HasSubstr("lenet5 frobnicate --help")));
}

TEST_F(Cli, UsageErrorsPointAtTheCommandsHelp) {
  expect_failure(lenet5({"info", "--bogus"}), 2, {"unknown option --bogus", "'lenet5 info --help'"});
}

// ---------------------------------------------------------------------------------------------------------
// info

TEST_F(Cli, InfoPrintsTheLayerTable) {
  const CommandResult result = lenet5({"info"});
  ASSERT_EQ(result.exit_code, 0) << result;
  for (const std::string layer : {"C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT"})
    EXPECT_THAT(result.out, HasSubstr("\n" + layer + " ")) << layer;
  EXPECT_THAT(result.out, ::testing::ContainsRegex("total +61706 "));
}

TEST_F(Cli, InfoJsonCountsParameters) {
  const CommandResult result = lenet5({"info", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const Json info = parse_json(result.out);
  EXPECT_EQ(info["parameters"].number(), 61706);
  ASSERT_EQ(info["layers"].array().size(), 7u);
  EXPECT_EQ(info["layers"].array().front()["name"].string(), "C1");
  EXPECT_EQ(info["layers"].array().back()["name"].string(), "OUTPUT");
}

// The loss belongs to the network description: classic trains on eq. 9's MAP loss with j = 7
// (docs/classic.md), modern on softmax cross-entropy, which has no constant (null).
TEST_F(Cli, InfoNamesTheLossAndItsConstant) {
  const CommandResult classic = lenet5({"info", "--preset", "classic", "--json"});
  ASSERT_EQ(classic.exit_code, 0) << classic;
  EXPECT_EQ(parse_json(classic.out)["loss"].string(), "map");
  EXPECT_EQ(parse_json(classic.out)["map_constant"].number(), 7);
  const CommandResult modern = lenet5({"info", "--json"});
  ASSERT_EQ(modern.exit_code, 0) << modern;
  EXPECT_EQ(parse_json(modern.out)["loss"].string(), "softmax_cross_entropy");
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(parse_json(modern.out)["map_constant"].value)) << modern;
  const CommandResult text = lenet5({"info", "--preset", "classic"});
  EXPECT_THAT(text.out, HasSubstr("loss map j=7\n")) << text;
}

TEST_F(Cli, InfoDescribesASavedModel) {
  const CommandResult result = lenet5({"info", "--model", model_.string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(parse_json(result.out)["parameters"].number(), 61706);
  EXPECT_EQ(parse_json(result.out)["model"].string(), model_.string());
  const CommandResult preset = lenet5({"info", "--json"});
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(parse_json(preset.out)["model"].value)) << preset;
}

// --model modern / classic name the shipped models, and info says which file that was: run from its build
// folder, the tool reads the source checkout's (an installed one reads PREFIX/share/lenet5/models, which
// tests/install/check.cmake checks).
TEST_F(Cli, InfoNamesTheShippedModelItFound) {
  const fs::path shipped = fs::path(LENET5_SOURCE_DIR) / "models";
  const CommandResult json = lenet5({"info", "--model", "classic", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  EXPECT_EQ(fs::path(parse_json(json.out)["model"].string()), shipped / "lenet5-classic.model");
  EXPECT_EQ(parse_json(json.out)["preset"].string(), "classic");
  const CommandResult text = lenet5({"info", "--model", "modern"});
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_THAT(text.out, ::testing::StartsWith("model " + (shipped / "lenet5-modern.model").string() +
                                              "\nLeNet-5, preset modern: "));
}

TEST_F(Cli, InfoFailures) {
  expect_failure(lenet5({"info", "--preset", "nope"}), 2, {"--preset must be modern or classic, got 'nope'"});
  expect_failure(lenet5({"info", "--bogus"}), 2, {"unknown option --bogus"});
  expect_failure(lenet5({"info", "--preset", "modern", "--model", model_.string()}), 2, {"not both"});
  const std::string missing = (scratch_ / "missing.model").string();
  expect_failure(lenet5({"info", "--model", missing}), 1, {missing, "cannot open"});
}

// ---------------------------------------------------------------------------------------------------------
// export (the formats' own tests: test_export_*.cpp)

TEST_F(Cli, ExportWritesAnOnnxFileAndNothingElse) {
  const fs::path out = scratch_ / "lenet5.onnx";
  const CommandResult result = lenet5({"export", "onnx", "--model", model_.string(), "--out", out.string()});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.out, "wrote " + out.string() + "\n");
  EXPECT_GT(fs::file_size(out), 61706u * 4);  // the modern preset's parameters as floats, and the graph
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(scratch_)) left.push_back(entry.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"lenet5.onnx"}));
}

TEST_F(Cli, ExportFailures) {
  const std::string out = (scratch_ / "m.onnx").string();
  expect_failure(lenet5({"export", "tflite", "--out", out}), 2, {"unknown format 'tflite' (known: onnx"});
  expect_failure(lenet5({"export", "onnx"}), 2, {"--out PATH is required"});
  expect_failure(lenet5({"export", "--out", out}), 2, {"'lenet5 export --help'"});
  const std::string missing = (scratch_ / "missing.model").string();
  expect_failure(lenet5({"export", "onnx", "--model", missing, "--out", out}), 1, {missing, "cannot open"});
  const std::string noise = save_bytes(Bytes(1000, 0xA5), "noise.bin");
  expect_failure(lenet5({"export", "onnx", "--model", noise, "--out", out}), 1, {noise, "not a lenet5 model file"});
  const std::string unwritable = (scratch_ / "no-such-folder" / "m.onnx").string();
  expect_failure(lenet5({"export", "onnx", "--model", model_.string(), "--out", unwritable}), 1, {unwritable, "cannot write"});
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Cli, ExportWritesCFilesIntoAFolder) {
  const fs::path out = scratch_ / "c";
  const CommandResult result = lenet5({"export", "c-int8", "--model", model_.string(), "--data", data_dir_.string(),
                                       "--calibration", "50", "--prefix", "tiny", "--out", out.string()});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.out, "wrote " + out.string() + "\n");
  std::vector<std::string> written;
  for (const auto& entry : fs::directory_iterator(out)) written.push_back(entry.path().filename().string());
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written, (std::vector<std::string>{"tiny_model.c", "tiny_model.h"}));
  const std::string header = read_text(out / "tiny_model.h");
  EXPECT_THAT(header, testing::HasSubstr("int tiny_classify(const unsigned char image[TINY_INPUT_HEIGHT][TINY_INPUT_WIDTH]);"));
  EXPECT_THAT(header, testing::HasSubstr("calibrated on the first 50 training images of data"));
  EXPECT_THAT(header, testing::HasSubstr("The float model's test accuracy: "));
  const CommandResult plain = lenet5({"export", "c", "--model", model_.string(), "--out", (scratch_ / "f").string()});
  EXPECT_EQ(plain.exit_code, 0) << plain;
  EXPECT_TRUE(fs::exists(scratch_ / "f" / "lenet5_model.c"));
}

TEST_F(Cli, ExportCFailures) {
  const std::string out = (scratch_ / "c").string(), model = model_.string();
  expect_failure(lenet5({"export", "onnx", "--prefix", "x", "--out", out}), 2, {"--prefix does not apply to the format onnx"});
  expect_failure(lenet5({"export", "c", "--calibration", "9", "--out", out}), 2, {"--calibration does not apply to the format c"});
  expect_failure(lenet5({"export", "c-int8", "--model", model, "--calibration", "0", "--out", out}), 2, {"--calibration"});
  expect_failure(lenet5({"export", "c", "--model", model, "--prefix", "2x", "--out", out}), 1, {"'2x' is not a C identifier"});
  expect_failure(lenet5({"export", "c-int8", "--model", model, "--data", (scratch_ / "none").string(), "--out", out}), 1,
                 {"none"});
  fs::create_directories(out);
  save_bytes(Bytes{1, 2, 3}, "c/keep.bin");
  expect_failure(lenet5({"export", "c", "--model", model, "--out", out}), 1, {"already holds other files (keep.bin)"});
  EXPECT_EQ(fs::file_size(fs::path(out) / "keep.bin"), 3u);
}

// ---------------------------------------------------------------------------------------------------------
// train

TEST_F(Cli, TrainReportsEveryEpochAsJson) {
  const auto lines = lines_of(training_.out);
  ASSERT_EQ(lines.size(), 2u) << training_;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Json epoch = parse_json(lines[i]);
    EXPECT_EQ(epoch["epoch"].number(), double(i + 1));
    for (const std::string key : {"train_loss", "train_accuracy", "test_accuracy", "seconds", "images_per_s"})
      EXPECT_TRUE(epoch.has(key) && std::holds_alternative<double>(epoch[key].value)) << key << ": " << lines[i];
    EXPECT_GT(epoch["train_loss"].number(), 0.0);
    for (const std::string key : {"train_accuracy", "test_accuracy"}) {
      EXPECT_GE(epoch[key].number(), 0.0) << key;
      EXPECT_LE(epoch[key].number(), 1.0) << key;
    }
    EXPECT_GT(epoch["images_per_s"].number(), 0.0);
  }
  // Two epochs on this easy data get far above chance (0.1); in practice every test image is right.
  EXPECT_GT(parse_json(lines.back())["test_accuracy"].number(), 0.9) << training_;
}

TEST_F(Cli, TrainLeavesOnlyTheModelBehind) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(model_.parent_path())) names.push_back(entry.path().filename());
  EXPECT_THAT(names, ::testing::ElementsAre("lenet5.model"));  // no checkpoint, no temporary file
  EXPECT_GT(fs::file_size(model_), 4u * 61706);
}

TEST_F(Cli, TrainWithTextOutputSaysWhatItDid) {
  const fs::path out = scratch_ / "text.model";
  const CommandResult result =
      lenet5({"train", "--data", data_dir_.string(), "--epochs", "1", "--limit", "64", "--threads", "2", "--out",
              out.string()});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_THAT(result.out, AllOf(HasSubstr("on 64 images"), HasSubstr("epoch  1/1"), HasSubstr("saved " + out.string())));
  EXPECT_TRUE(fs::exists(out));
}

// --validation N trains on the rest of the training split only (the same model as --limit on it), needs no
// test split, and reports the accuracy on exactly the last N training images under its own name: their
// labels are made wrong here, so a model that saw them, or a score taken on other images, would show.
TEST_F(Cli, TrainHoldsOutTheLastImagesForValidation) {
  constexpr std::uint32_t kHeldOut = 112;
  lenet5::Dataset data = lenet5::load_mnist(data_dir_.string(), lenet5::Split::train);
  for (std::size_t i = kTrainCount - kHeldOut; i < kTrainCount; ++i)
    data.labels[i] = static_cast<std::uint8_t>((data.labels[i] + 1) % 10);
  const fs::path relabelled = scratch_ / "relabelled";
  fs::create_directories(relabelled);
  write_bytes(relabelled / "train-images-idx3-ubyte", idx_file({kTrainCount, kSide, kSide}, data.images));
  write_bytes(relabelled / "train-labels-idx1-ubyte", idx_file({kTrainCount}, data.labels));

  const fs::path held_out = scratch_ / "held-out.model", limited = scratch_ / "limited.model";
  std::vector<std::string> arguments = train_arguments(held_out, kSeed, {"--validation", std::to_string(kHeldOut)});
  arguments[2] = relabelled.string();  // --data
  const CommandResult result = lenet5(arguments);
  ASSERT_EQ(result.exit_code, 0) << result;
  ASSERT_EQ(lenet5(train_arguments(limited, kSeed, {"--limit", std::to_string(kTrainCount - kHeldOut)})).exit_code, 0);
  // The same model but for the dataset's name (the folders differ).
  const lenet5::Model with_held_out = lenet5::load_model(held_out.string()), with_limit = lenet5::load_model(limited.string());
  EXPECT_EQ(with_held_out.spec, with_limit.spec);
  EXPECT_EQ(with_held_out.parameters, with_limit.parameters) << "the held-out images were trained on";
  const Json last = parse_json(lines_of(result.out).back());
  EXPECT_FALSE(last.has("test_accuracy")) << result;
  EXPECT_LT(last["validation_accuracy"].number(), 0.5) << "scored on images with their right labels\n" << result;

  // The held-out images written as a test split: eval on them gives the accuracy train reported.
  const lenet5::Dataset last_images = data.slice(kTrainCount - kHeldOut, kHeldOut);
  write_bytes(relabelled / "t10k-images-idx3-ubyte", idx_file({kHeldOut, kSide, kSide}, last_images.images));
  write_bytes(relabelled / "t10k-labels-idx1-ubyte", idx_file({kHeldOut}, last_images.labels));
  const CommandResult evaluation = lenet5({"eval", held_out.string(), "--data", relabelled.string(), "--json"});
  ASSERT_EQ(evaluation.exit_code, 0) << evaluation;
  EXPECT_EQ(parse_json(evaluation.out)["accuracy"].number(), last["validation_accuracy"].number()) << result;

  const CommandResult text = lenet5({"train", "--data", data_dir_.string(), "--epochs", "1", "--validation", "112",
                                     "--threads", "2", "--out", (scratch_ / "text.model").string()});
  EXPECT_THAT(text.out, AllOf(HasSubstr("on 400 images"), HasSubstr("(validation: 112)"),
                              HasSubstr("validation accuracy")))
      << text;
  expect_failure(lenet5(train_arguments(scratch_ / "none.model", kSeed, {"--validation", "512"})), 2,
                 {"--validation 512 leaves no training images"});
}

TEST_F(Cli, TrainIsDeterministicForASeedAndThreadCount) {
  const fs::path again = scratch_ / "again.model", other_seed = scratch_ / "other-seed.model";
  ASSERT_EQ(lenet5(train_arguments(again, kSeed)).exit_code, 0);
  ASSERT_EQ(lenet5(train_arguments(other_seed, kSeed + 1)).exit_code, 0);
  EXPECT_EQ(read_bytes(again), read_bytes(model_)) << "same seed and threads, different model";
  EXPECT_NE(read_bytes(other_seed), read_bytes(model_)) << "a different seed gave the same model";
}

// The portable kernels (what a CPU without AVX2 runs) train to the same quality as the default ones; the
// numbers differ only by rounding, so the models are compared through what they get right.
TEST_F(Cli, TrainOnThePortableKernelsLearnsAsWell) {
  const fs::path portable = scratch_ / "portable.model";
  setenv("LENET5_ISA", "generic", 1);
  const CommandResult result = lenet5(train_arguments(portable, kSeed));
  unsetenv("LENET5_ISA");
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto accuracy = [&](const fs::path& model) {
    const CommandResult eval = lenet5({"eval", model.string(), "--data", data_dir_.string(), "--json"});
    EXPECT_EQ(eval.exit_code, 0) << eval;
    return parse_json(eval.out)["accuracy"].number();
  };
  EXPECT_NEAR(accuracy(portable), accuracy(model_), 0.03);
}

TEST_F(Cli, UnknownInstructionSetIsAnError) {
  setenv("LENET5_ISA", "sse9", 1);
  const CommandResult result = lenet5({"info"});
  const CommandResult training = lenet5(train_arguments(scratch_ / "m.model", kSeed));
  unsetenv("LENET5_ISA");
  EXPECT_EQ(result.exit_code, 0) << "info runs no kernel\n" << result;
  expect_failure(training, 1, {"LENET5_ISA=sse9 is not one of avx512, avx2, generic"});
}

TEST_F(Cli, TrainWithDistortionsIsDeterministicAndSeesOtherImages) {
  const fs::path first = scratch_ / "first.model", second = scratch_ / "second.model";
  ASSERT_EQ(lenet5(train_arguments(first, kSeed, {"--distortions"})).exit_code, 0);
  ASSERT_EQ(lenet5(train_arguments(second, kSeed, {"--distortions"})).exit_code, 0);
  EXPECT_EQ(read_bytes(first), read_bytes(second)) << "distortions must be a function of the seed";
  EXPECT_NE(read_bytes(first), read_bytes(model_)) << "distortions changed nothing";
}

TEST_F(Cli, TrainsTheClassicPresetWithSdlm) {
  const fs::path out = scratch_ / "classic.model";
  const CommandResult result = lenet5(train_arguments(out, kSeed, {"--preset", "classic", "--epochs", "2", "--batch", "1",
                                                                   "--threads", "1", "--optimizer", "sdlm"}));
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 2u) << result;
  EXPECT_GT(parse_json(lines.back())["test_accuracy"].number(), 0.5) << result;
  const CommandResult info = lenet5({"info", "--model", out.string(), "--json"});
  EXPECT_EQ(parse_json(info.out)["parameters"].number(), 60000) << info;
}

TEST_F(Cli, PictureDrawsTheDistortionsGrid) {
  const std::string out = (scratch_ / "grid.png").string();
  const CommandResult result = lenet5({"picture", "distortions", "--data", data_dir_.string(), "--out", out,
                                       "--examples", "3", "--per-example", "4", "--scale", "2"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const lenet5::GreyImage grid = lenet5::read_image(out);
  // 3 rows and 5 columns of 28×28 digits with 2-pixel gaps and border, doubled.
  EXPECT_EQ(grid.width, 2 * (5 * 28 + 6 * 2));
  EXPECT_EQ(grid.height, 2 * (3 * 28 + 4 * 2));
  expect_failure(lenet5({"picture", "sketches", "--out", out}), 2, {"unknown picture 'sketches'"});
  expect_failure(lenet5({"picture", "distortions", "--data", data_dir_.string()}), 2, {"--out FILE.png or FILE.svg is required"});
}

// Every kind of picture, as PNG (read back at the size the tool reports) and as SVG.
TEST_F(Cli, PictureDrawsEveryKindAsPngAndSvg) {
  write_text(scratch_ / "run.jsonl", training_.out);
  std::mt19937 random(3);
  const std::string digit = save_image(inverted(synthetic_digit(4, random)), "four.png");
  const std::string model = model_.string(), data = data_dir_.string();
  const std::vector<std::vector<std::string>> kinds{
      {"filters", "--model", model},
      {"maps", digit, "--model", model},
      {"errors", "--model", model, "--data", data, "--limit", "5"},
      {"confusion", "--model", model, "--data", data},
      {"curves", (scratch_ / "run.jsonl").string(), std::string(LENET5_SOURCE_DIR) + "/models/lenet5-classic.train.jsonl", "--label", "suite",
       "--label", "classic"},
      {"rejection", "--model", model, "--model", "classic", "--data", data},
      {"distortions", "--data", data, "--examples", "2"}};
  for (const auto& kind : kinds)
    for (const std::string extension : {".png", ".svg"}) {
      const std::string out = (scratch_ / (kind[0] + extension)).string();
      std::vector<std::string> arguments{"picture"};
      arguments.insert(arguments.end(), kind.begin(), kind.end());
      arguments.insert(arguments.end(), {"--out", out});
      const CommandResult result = lenet5(arguments);
      ASSERT_EQ(result.exit_code, 0) << kind[0] << extension << "\n" << result;
      int width = 0, height = 0;
      ASSERT_EQ(std::sscanf(result.out.c_str(), ("wrote " + out + " (%dx%d)").c_str(), &width, &height), 2) << result;
      if (extension == ".png") {
        const lenet5::GreyImage picture = lenet5::read_image(out);
        EXPECT_EQ(picture.width, width) << kind[0];
        EXPECT_EQ(picture.height, height) << kind[0];
      } else {
        EXPECT_THAT(read_text(out), AllOf(HasSubstr("<svg"), HasSubstr("width=\"" + std::to_string(width) + "px\"")));
      }
    }
}

// rejection --json: per model the error and, for 0.5 % and 0.1 %, the rejection that reaches it and the threshold.
TEST_F(Cli, PictureRejectionReportsWhatMustBeRejected) {
  const CommandResult evaluation = lenet5({"eval", model_.string(), "--data", data_dir_.string(), "--json"});
  ASSERT_EQ(evaluation.exit_code, 0) << evaluation;
  for (const std::string by : {"confidence", "margin"}) {
    const CommandResult result = lenet5({"picture", "rejection", "--model", model_.string(), "--model", "modern",
                                         "--data", data_dir_.string(), "--by", by, "--json"});
    ASSERT_EQ(result.exit_code, 0) << result;
    const auto lines = lines_of(result.out);
    ASSERT_EQ(lines.size(), 2u) << result;  // no figure without --out
    const Json suite = parse_json(lines[0]);
    EXPECT_EQ(suite["model"].string(), model_.string());
    EXPECT_EQ(suite["by"].string(), by);
    EXPECT_NEAR(suite["error"].number(), 1 - parse_json(evaluation.out)["accuracy"].number(), 1e-9);
    for (const Json& line : {suite, parse_json(lines[1])})
      for (const std::string key : {"0.005", "0.001"}) {
        const Json& rejected = line["rejection_at"][key];
        const Json& threshold = line["threshold_at"][key];
        EXPECT_EQ(std::holds_alternative<std::nullptr_t>(rejected.value), std::holds_alternative<std::nullptr_t>(threshold.value));
        if (std::holds_alternative<double>(rejected.value)) {
          EXPECT_GE(rejected.number(), 0);
          EXPECT_LT(rejected.number(), 1);
          EXPECT_GE(threshold.number(), 0);
        }
      }
    EXPECT_THAT(parse_json(lines[1])["model"].string(), HasSubstr("lenet5-modern.model"));
  }
}

TEST_F(Cli, PictureFailuresSayWhatWasWrong) {
  const std::string out = (scratch_ / "p.png").string(), data = data_dir_.string();
  const std::string not_a_model = save_bytes(Bytes{'n', 'o', 'p', 'e'}, "nope.model");
  expect_failure(lenet5({"picture", "filters", "--model", not_a_model, "--out", out}), 1, {not_a_model});
  expect_failure(lenet5({"picture", "maps", (scratch_ / "missing.png").string(), "--out", out}), 1,
                 {"missing.png: cannot open"});
  const std::string not_an_image = save_bytes(Bytes{'G', 'I', 'F', '8', '9', 'a'}, "not.png");
  expect_failure(lenet5({"picture", "maps", not_an_image, "--out", out}), 1, {"not.png: "});
  write_text(scratch_ / "empty.jsonl", "");
  expect_failure(lenet5({"picture", "curves", (scratch_ / "empty.jsonl").string(), "--out", out}), 1,
                 {"empty.jsonl: no epochs in the log"});
  const std::string unwritable = (scratch_ / "no-such-folder" / "p.png").string();
  expect_failure(lenet5({"picture", "confusion", "--model", model_.string(), "--data", data, "--out", unwritable}), 1,
                 {unwritable});
  EXPECT_FALSE(fs::exists(scratch_ / "no-such-folder"));
  expect_failure(lenet5({"picture", "filters", "--out", (scratch_ / "p.pdf").string()}), 2,
                 {"p.pdf: figures are written as .png or .svg"});
  expect_failure(lenet5({"picture", "confusion", "--limit", "3", "--out", out}), 2,
                 {"--limit does not apply to 'picture confusion'"});
  expect_failure(lenet5({"picture", "maps", "--out", out}), 2, {"'picture maps' draws one IMAGE"});
  expect_failure(lenet5({"picture", "filters", "extra", "--out", out}), 2, {"unexpected argument 'extra'"});
  expect_failure(lenet5({"picture", "curves", "--out", out}), 2, {"name at least one log"});
  expect_failure(lenet5({"picture", "curves", not_a_model, "--label", "a", "--label", "b", "--out", out}), 2,
                 {"2 --label for 1 logs"});
  expect_failure(lenet5({"picture", "rejection", "--by", "luck", "--json"}), 2, {"--by must be confidence or margin"});
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Cli, TrainRejectsOptionsThatDoNotFitThePreset) {
  const fs::path out = scratch_ / "m.model";
  expect_failure(lenet5(train_arguments(out, kSeed, {"--preset", "lenet7"})), 2,
                 {"--preset must be modern or classic, got 'lenet7'"});
  expect_failure(lenet5(train_arguments(out, kSeed, {"--map-constant", "2"})), 2,
                 {"--map-constant applies to the map loss only"});
  expect_failure(lenet5(train_arguments(out, kSeed, {"--loss", "map"})), 2, {"--loss:", "needs an RBF output layer"});
  EXPECT_FALSE(fs::exists(out));
}

// Every option that changes the network survives the save, with a classic model and a MAP constant.
TEST_F(Cli, TrainSavesAClassicModelWithItsMapConstant) {
  const fs::path out = scratch_ / "classic.model";
  ASSERT_EQ(lenet5(train_arguments(out, kSeed, {"--preset", "classic", "--epochs", "1", "--batch", "8",
                                                "--map-constant", "2.5"}))
                .exit_code,
            0);
  const CommandResult info = lenet5({"info", "--model", out.string(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info;
  EXPECT_EQ(parse_json(info.out)["preset"].string(), "classic");
}

TEST_F(Cli, TrainRefusesAnOutputThatIsAFolder) {
  expect_failure(lenet5(train_arguments(scratch_, kSeed, {"--epochs", "1"})), 1, {"it is a folder"});
}

TEST_F(Cli, BenchReportsThroughputAndLatency) {
  const CommandResult result =
      lenet5({"bench", model_.string(), "--data", data_dir_.string(), "--repeat", "1", "--json", "--threads", "2"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const Json bench = parse_json(result.out);
  EXPECT_GT(bench["infer_images_per_s"].number(), 0.0);
  EXPECT_GT(bench["latency_us"].number(), 0.0);
  expect_failure(lenet5({"bench", (scratch_ / "missing.model").string(), "--data", data_dir_.string()}), 1,
                 {"missing.model: cannot open"});
}

// The network follows the data: three classes (labels 3, 5, 7, named by a mapping file) give three
// outputs; the model stores the names and eval prints them; the classic preset's ten RBF prototypes refuse.
TEST_F(Cli, TrainFollowsTheDatasetClassesAndEvalNamesThem) {
  const fs::path three = scratch_ / "three";
  fs::create_directories(three);
  for (const auto& [split, prefix] : {std::pair{lenet5::Split::train, "train"}, std::pair{lenet5::Split::test, "t10k"}}) {
    const lenet5::Dataset data = lenet5::load_mnist(data_dir_.string(), split);
    Bytes images, labels;
    for (std::size_t i = 0; i < data.count; ++i) {
      if (data.labels[i] != 3 && data.labels[i] != 5 && data.labels[i] != 7) continue;
      images.insert(images.end(), data.image(i).begin(), data.image(i).end());
      labels.push_back(data.labels[i]);
    }
    const auto count = static_cast<std::uint32_t>(labels.size());
    write_bytes(three / (std::string(prefix) + "-images-idx3-ubyte"), idx_file({count, kSide, kSide}, images));
    write_bytes(three / (std::string(prefix) + "-labels-idx1-ubyte"), idx_file({count}, labels));
  }
  const std::string mapping = "3 99\n5 101\n7 228\n";  // c, e, ä
  write_bytes(three / "letters-mapping.txt", Bytes(mapping.begin(), mapping.end()));

  const fs::path out = scratch_ / "three.model";
  std::vector<std::string> arguments = train_arguments(out, kSeed, {"--epochs", "3"});
  arguments[2] = three.string();
  const CommandResult trained = lenet5(arguments);
  ASSERT_EQ(trained.exit_code, 0) << trained;
  const lenet5::Model model = lenet5::load_model(out.string());
  EXPECT_EQ(model.classes, (std::vector<std::string>{"c", "e", "\xC3\xA4"}));
  EXPECT_EQ(model.dataset, "three");
  EXPECT_EQ(lenet5::class_count(model.spec), 3);
  EXPECT_EQ(model.preparation, lenet5::InputPreparation::plain) << "not the ten digits: read whole";

  const CommandResult json = lenet5({"eval", "--model", out.string(), "--data", three.string(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  const Json result = parse_json(json.out);
  EXPECT_EQ(result["classes"].array().size(), 3u);
  EXPECT_EQ(result["classes"].array()[2].string(), "\xC3\xA4");
  EXPECT_EQ(result["confusion"].array().size(), 3u);
  EXPECT_GT(result["accuracy"].number(), 0.9);
  const CommandResult text = lenet5({"eval", "--model", out.string(), "--data", three.string()});
  EXPECT_THAT(text.out, AllOf(HasSubstr("0 c"), HasSubstr("2 \xC3\xA4"))) << text;
  // The digits model's ten classes do not hold 'c': the labels are matched by name.
  expect_failure(lenet5({"eval", "--model", model_.string(), "--data", three.string()}), 1,
                 {"class 'c' is not among the 10 classes", "give --classes FILE"});

  arguments.insert(arguments.end(), {"--preset", "classic"});
  expect_failure(lenet5(arguments), 2, {"RBF output has fixed prototypes for the ten digits only", "3 classes"});
}

// End to end on an image folder (grey PNGs, classes named by their folders, no test split: --validation) and
// on CIFAR-10 batches (colour): train, then eval by name; bad files fail naming themselves.
TEST_F(Cli, TrainsAndEvaluatesImageFoldersAndCifarBatches) {
  std::mt19937 random(11);
  const std::vector<std::string> names{"circle", "cross", "dot"};
  const fs::path folder = scratch_ / "shapes";
  for (int i = 0; i < 240; ++i) {
    const int label = i % 3;
    const fs::path dir = folder / "train" / names[label];
    fs::create_directories(dir);
    lenet5::write_png(synthetic_digit(label, random), (dir / (std::to_string(i) + ".png")).string());
  }
  const fs::path folder_model = scratch_ / "shapes.model";
  const CommandResult trained = lenet5({"train", "--data", folder.string(), "--epochs", "3", "--batch", "16",
                                        "--threads", "2", "--validation", "60", "--out", folder_model.string(), "--json"});
  ASSERT_EQ(trained.exit_code, 0) << trained;
  EXPECT_GT(parse_json(lines_of(trained.out).back())["validation_accuracy"].number(), 0.9) << trained;
  const lenet5::Model shapes = lenet5::load_model(folder_model.string());
  EXPECT_EQ(shapes.classes, names);
  EXPECT_EQ(shapes.dataset, "shapes");
  const CommandResult evaluated = lenet5({"eval", "--model", folder_model.string(), "--data", folder.string(),
                                          "--split", "train", "--json"});
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated;
  EXPECT_EQ(parse_json(evaluated.out)["classes"].array()[1].string(), "cross");
  // Without a test split (and no --validation) training says what to do.
  expect_failure(lenet5({"train", "--data", folder.string(), "--out", (scratch_ / "x.model").string()}), 1,
                 {"test: no such folder", "--validation N"});
  write_text(folder / "train" / "dot" / "broken.png", "not a png");
  expect_failure(lenet5({"train", "--data", folder.string(), "--validation", "10", "--out", (scratch_ / "x.model").string()}),
                 1, {(folder / "train" / "dot" / "broken.png").string()});

  // CIFAR-10 batches: each record a label byte and three 32×32 planes; the class's digit in its colour plane.
  const fs::path cifar = scratch_ / "cifar";
  fs::create_directories(cifar);
  const auto batch = [&](int count) {
    Bytes records;
    for (int i = 0; i < count; ++i) {
      const int label = i % 3;
      const lenet5::GreyImage digit = synthetic_digit(label, random);
      records.push_back(static_cast<std::uint8_t>(label));
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 32; ++y)
          for (int x = 0; x < 32; ++x) {
            const bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
            const std::uint8_t ink = inside ? digit.pixels[std::size_t(y - 2) * kSide + x - 2] : 0;
            records.push_back(c == label ? ink : static_cast<std::uint8_t>(ink / 4));
          }
    }
    return records;
  };
  write_bytes(cifar / "data_batch_1.bin", batch(150));
  write_bytes(cifar / "data_batch_2.bin", batch(150));
  write_bytes(cifar / "test_batch.bin", batch(60));
  write_text(cifar / "batches.meta.txt", "red\ngreen\nblue\n\n");
  const fs::path cifar_model = scratch_ / "cifar.model";
  const CommandResult coloured = lenet5({"train", "--data", cifar.string(), "--epochs", "3", "--batch", "16",
                                         "--threads", "2", "--out", cifar_model.string(), "--json"});
  ASSERT_EQ(coloured.exit_code, 0) << coloured;
  EXPECT_GT(parse_json(lines_of(coloured.out).back())["test_accuracy"].number(), 0.9) << coloured;
  const lenet5::Model colour = lenet5::load_model(cifar_model.string());
  EXPECT_EQ(colour.spec.input.channels, 3);
  EXPECT_EQ(colour.image_shape, (lenet5::Shape{3, 32, 32}));
  EXPECT_EQ(colour.classes, (std::vector<std::string>{"red", "green", "blue"}));
  const CommandResult info = lenet5({"info", "--model", cifar_model.string()});
  EXPECT_THAT(info.out, AllOf(HasSubstr("input 3@32x32"), HasSubstr("classes: red, green, blue"))) << info;
  // A colour picture is read in colour: a green digit on black is "green".
  lenet5::GreyImage digit = synthetic_digit(1, random);
  Bytes rgb;
  for (const std::uint8_t ink : digit.pixels) rgb.insert(rgb.end(), {static_cast<std::uint8_t>(ink / 4), ink, static_cast<std::uint8_t>(ink / 4)});
  std::string ppm = "P6\n28 28\n255\n";
  ppm.append(rgb.begin(), rgb.end());
  write_text(scratch_ / "green.ppm", ppm);
  const CommandResult read = lenet5({"predict", "--model", cifar_model.string(), (scratch_ / "green.ppm").string(), "--json"});
  ASSERT_EQ(read.exit_code, 0) << read;
  EXPECT_EQ(parse_json(read.out)["class_name"].string(), "green") << read;

  Bytes cut = batch(2);
  cut.pop_back();
  write_bytes(cifar / "data_batch_2.bin", cut);
  expect_failure(lenet5({"train", "--data", cifar.string(), "--out", (scratch_ / "x.model").string()}), 1,
                 {"data_batch_2.bin", "not a whole number of 3073-byte CIFAR-10 records"});
  EXPECT_FALSE(fs::exists(scratch_ / "x.model"));
}

TEST_F(Cli, TrainFailsWithoutData) {
  const std::string missing = (scratch_ / "no-such-folder").string();
  expect_failure(lenet5({"train", "--data", missing, "--out", (scratch_ / "m.model").string()}), 1,
                 {missing + ": no such folder", "scripts/fetch-mnist.sh", "--data DIR"});
  const fs::path empty = scratch_ / "empty";
  fs::create_directories(empty);
  expect_failure(lenet5({"train", "--data", empty.string(), "--out", (scratch_ / "m.model").string()}), 1,
                 {"no dataset found (looked for IDX files", "CIFAR-10", "CSV", "class folders"});
  EXPECT_FALSE(fs::exists(scratch_ / "m.model"));
}

TEST_F(Cli, TrainRejectsBadOptions) {
  const fs::path out = scratch_ / "m.model";
  expect_failure(lenet5(train_arguments(out, kSeed, {"--epochs", "0"})), 2, {"--epochs must be between 1"});
  expect_failure(lenet5(train_arguments(out, kSeed, {"--epochs", "abc"})), 2, {"--epochs needs an integer, got 'abc'"});
  expect_failure(lenet5(train_arguments(out, kSeed, {"--optimizer", "foo"})), 2, {"--optimizer must be adam, sgd or sdlm"});
  expect_failure(lenet5(train_arguments(out, kSeed, {"--lr", "1e6"})), 2, {"--lr must be between"});
  expect_failure(lenet5(train_arguments(out, kSeed, {"--epochs"})), 2, {"--epochs needs a value"});
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Cli, TrainFailsClearlyWhenItCannotWriteTheModel) {
  const std::string out = (scratch_ / "no-such-folder" / "m.model").string();
  expect_failure(lenet5(train_arguments(out, kSeed, {"--epochs", "1", "--limit", "32"})), 1,
                 {out, "does not exist"});
}

// Weight decay 1 at lr 100 multiplies every weight by (1 − 100) each step whatever the data: NaN within a
// few batches.
TEST_F(Cli, TrainStopsWhenTheLossTurnsNaN) {
  const fs::path out = scratch_ / "m.model";
  const CommandResult result = lenet5(train_arguments(
      out, kSeed, {"--optimizer", "sgd", "--lr", "100", "--momentum", "0", "--weight-decay", "1", "--schedule", "constant"}));
  expect_failure(result, 1, {"training diverged", "try a lower learning rate"});
  EXPECT_FALSE(fs::exists(out));
}

// The same in the classic preset, whose squashing units and RBF output keep every finite loss bounded: a
// NaN weight must still surface as a NaN loss (the vectorised tanh passes NaN through).
TEST_F(Cli, ClassicTrainingStopsWhenTheWeightsTurnNaN) {
  const fs::path out = scratch_ / "m.model";
  const CommandResult result =
      lenet5(train_arguments(out, kSeed, {"--preset", "classic", "--optimizer", "sgd", "--lr", "100",
                                          "--momentum", "0", "--weight-decay", "1", "--schedule", "constant"}));
  expect_failure(result, 1, {"training diverged", "try a lower learning rate"});
  EXPECT_FALSE(fs::exists(out));
}

// Plain SGD at lr 100 blows the loss up to ~1e19–1e35 and then every ReLU dies: the loss stays finite, but
// training must still stop rather than save a useless model.
TEST_F(Cli, TrainStopsWhenTheLossExplodesWithoutOverflowing) {
  const fs::path out = scratch_ / "m.model";
  const CommandResult result = lenet5(train_arguments(
      out, kSeed, {"--optimizer", "sgd", "--lr", "100", "--momentum", "0", "--schedule", "constant"}));
  expect_failure(result, 1, {"training diverged", "try a lower learning rate"});
  EXPECT_FALSE(fs::exists(out));
}

// ---------------------------------------------------------------------------------------------------------
// train --resume and --from

// Interrupts `train … --json` after its first epoch, every time: its stdout is a pipe already full, so the
// report of epoch 1 (its first output, written after the epoch's checkpoint) can never be written; once the
// checkpoint is there, the run is killed. Returns the run's stderr.
std::string train_interrupted_after_first_epoch(const std::vector<std::string>& arguments, const fs::path& checkpoint,
                                                const fs::path& capture_dir) {
  int pipe_ends[2];
  if (pipe(pipe_ends) != 0) throw std::runtime_error("pipe failed");
  fcntl(pipe_ends[1], F_SETFL, O_NONBLOCK);
  const std::vector<char> filler(4096, ' ');
  for (const std::size_t size : {filler.size(), std::size_t{1}})  // whole pages, then any last byte
    while (write(pipe_ends[1], filler.data(), size) > 0) {
    }
  fcntl(pipe_ends[1], F_SETFL, 0);  // the run's writes block

  const fs::path err_path = capture_dir / "interrupted.stderr";
  std::vector<std::string> words = cli_words(arguments);
  const std::vector<char*> argv = argv_of(words);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) throw std::runtime_error(std::string("cannot start ") + LENET5_CLI);

  int status = 0;
  bool ended = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!fs::exists(checkpoint) && !ended && std::chrono::steady_clock::now() < give_up) {
    ended = waitpid(pid, &status, WNOHANG) == pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!ended) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(pipe_ends[0]);
  close(pipe_ends[1]);
  const std::string err = read_text(err_path);
  EXPECT_FALSE(ended) << "the run ended by itself (exit " << WEXITSTATUS(status) << ")\n" << err;
  EXPECT_TRUE(fs::exists(checkpoint)) << err;
  return err;
}

// Stopped after epoch 1 of 3 and resumed, a run saves the very model of the run never stopped: with Adam and
// distortions, and with SGD; the resumed run reports epochs 2 and 3 only, and leaves no checkpoint.
TEST_F(Cli, AnInterruptedRunResumesToTheSameModel) {
  for (const std::vector<std::string>& options :
       {std::vector<std::string>{"--distortions"}, std::vector<std::string>{"--optimizer", "sgd"}}) {
    SCOPED_TRACE(options.front());
    std::vector<std::string> extra{"--epochs", "3", "--limit", "160"};
    extra.insert(extra.end(), options.begin(), options.end());
    const fs::path whole = scratch_ / "whole.model", resumed = scratch_ / "resumed.model";
    ASSERT_EQ(lenet5(train_arguments(whole, kSeed, extra)).exit_code, 0);
    const fs::path checkpoint = resumed.string() + ".checkpoint";
    train_interrupted_after_first_epoch(train_arguments(resumed, kSeed, extra), checkpoint, scratch_);
    EXPECT_FALSE(fs::exists(resumed));

    const CommandResult result = lenet5({"train", "--resume", checkpoint.string(), "--json"});
    ASSERT_EQ(result.exit_code, 0) << result;
    const auto lines = lines_of(result.out);
    ASSERT_EQ(lines.size(), 2u) << result;
    EXPECT_EQ(parse_json(lines[0])["epoch"].number(), 2);
    EXPECT_EQ(parse_json(lines[1])["epoch"].number(), 3);
    EXPECT_EQ(read_bytes(resumed), read_bytes(whole)) << "the resumed run ended elsewhere";
    EXPECT_FALSE(fs::exists(checkpoint));
    fs::remove(whole);
    fs::remove(resumed);
  }
}

// The checkpoint names its data (with their class names); moved, they are found again with --data; changed,
// they are refused. Other options cannot change the run, and a file that is not a checkpoint is named as such.
TEST_F(Cli, ResumingTakesTheRunsOwnDataAndOptions) {
  const fs::path copy = scratch_ / "data", moved = scratch_ / "moved", names = scratch_ / "names.txt";
  fs::copy(data_dir_, copy);
  std::ofstream(names) << "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n";
  std::vector<std::string> arguments =
      train_arguments(scratch_ / "m.model", kSeed, {"--limit", "100", "--validation", "50", "--classes", names.string()});
  arguments[2] = copy.string();  // --data
  const fs::path checkpoint = scratch_ / "m.model.checkpoint", kept = scratch_ / "kept.state";
  train_interrupted_after_first_epoch(arguments, checkpoint, scratch_);
  fs::copy_file(checkpoint, kept);

  const CommandResult text = lenet5({"train", "--resume", checkpoint.string()});
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_EQ(lenet5::load_model((scratch_ / "m.model").string()).classes[3], "three");
  EXPECT_THAT(text.out, AllOf(HasSubstr("resuming modern LeNet-5 at epoch 2 on 100 images from " + copy.string() +
                                        " (validation: 50)"),
                              HasSubstr("epoch  2/2"), Not(HasSubstr("epoch  1/2")),
                              HasSubstr("saved " + (scratch_ / "m.model").string())))
      << text;

  fs::rename(copy, moved);
  expect_failure(lenet5({"train", "--resume", kept.string(), "--out", (scratch_ / "n.model").string()}), 1,
                 {copy.string()});
  const fs::path elsewhere = scratch_ / "elsewhere.model";
  ASSERT_EQ(lenet5({"train", "--resume", kept.string(), "--data", moved.string(), "--out", elsewhere.string()}).exit_code, 0);
  EXPECT_EQ(read_bytes(elsewhere), read_bytes(scratch_ / "m.model"));

  Bytes labels = read_bytes(moved / "train-labels-idx1-ubyte");
  labels[8 + 3] = static_cast<std::uint8_t>((labels[8 + 3] + 1) % 10);  // an image the run trained on
  write_bytes(moved / "train-labels-idx1-ubyte", labels);
  expect_failure(lenet5({"train", "--resume", kept.string(), "--data", moved.string(), "--out", elsewhere.string()}), 1,
                 {"these are not the training data the run was checkpointed on", "other labels"});

  expect_failure(lenet5({"train", "--resume", kept.string(), "--epochs", "5"}), 2,
                 {"--resume continues the run with the options it was started with: --epochs"});
  expect_failure(lenet5({"train", "--resume", kept.string(), "--threads", "2"}), 2, {"--threads cannot be given"});
  expect_failure(lenet5({"train", "--resume", kept.string()}), 2, {"say where to save the model with --out"});
  expect_failure(lenet5({"train", "--resume", model_.string(), "--out", elsewhere.string()}), 1,
                 {model_.string() + ": a model file, not a training checkpoint"});
  Bytes damaged = read_bytes(kept);
  damaged[damaged.size() / 3] ^= 1;
  write_bytes(kept, damaged);
  expect_failure(lenet5({"train", "--resume", kept.string(), "--out", elsewhere.string()}), 1,
                 {kept.string() + ": checksum mismatch"});
  write_bytes(kept, Bytes(damaged.begin(), damaged.begin() + 100));
  expect_failure(lenet5({"train", "--resume", kept.string(), "--out", elsewhere.string()}), 1,
                 {kept.string() + ": truncated"});
}

// Fine-tuning the suite's model on two of its classes: the output layer is new, with two outputs; every
// other layer starts from the model's (a learning rate of 1e-9 leaves it where it was), and so do its input
// scaling and preparation.
TEST_F(Cli, FromAModelFineTunesItOnDataOfOtherClasses) {
  const fs::path two = scratch_ / "zeros-and-ones";
  fs::create_directories(two);
  for (const auto& [split, prefix] : {std::pair{lenet5::Split::train, "train"}, std::pair{lenet5::Split::test, "t10k"}}) {
    const lenet5::Dataset data = lenet5::load_mnist(data_dir_.string(), split);
    Bytes images, labels;
    for (std::size_t i = 0; i < data.count; ++i)
      if (data.labels[i] <= 1) {
        const auto image = data.image(i);
        images.insert(images.end(), image.begin(), image.end());
        labels.push_back(data.labels[i]);
      }
    const auto count = static_cast<std::uint32_t>(labels.size());
    write_bytes(two / (std::string(prefix) + "-images-idx3-ubyte"), idx_file({count, kSide, kSide}, images));
    write_bytes(two / (std::string(prefix) + "-labels-idx1-ubyte"), idx_file({count}, labels));
  }
  const lenet5::Model start = lenet5::load_model(model_.string());
  const fs::path tuned_path = scratch_ / "tuned.model";
  const CommandResult result = lenet5({"train", "--from", model_.string(), "--data", two.string(), "--epochs", "1",
                                       "--lr", "1e-9", "--threads", "2", "--out", tuned_path.string()});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_THAT(result.out, AllOf(HasSubstr("fine-tuning " + model_.string() + " on "),
                                HasSubstr("replaced the output layer: 10 → 2 classes")))
      << result;
  const lenet5::Model tuned = lenet5::load_model(tuned_path.string());
  EXPECT_EQ(lenet5::class_count(tuned.spec), 2);
  EXPECT_EQ(tuned.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(tuned.dataset, "zeros-and-ones");
  EXPECT_EQ(tuned.spec.scaling, start.spec.scaling);
  EXPECT_EQ(tuned.preparation, lenet5::InputPreparation::digit);
  const std::size_t output_weights = 84 * 10 + 10;
  ASSERT_EQ(tuned.parameters.size(), start.parameters.size() - output_weights + 84 * 2 + 2);
  for (std::size_t i = 0; i + output_weights < start.parameters.size(); ++i)
    ASSERT_NEAR(tuned.parameters[i], start.parameters[i], 1e-6) << "parameter " << i;

  // The model's own classes: the whole model is kept, and nothing is said about its output layer; --input
  // sets the preparation, which a model fine-tuned from this one keeps.
  const fs::path same_path = scratch_ / "same.model", again_path = scratch_ / "again.model";
  const CommandResult same = lenet5({"train", "--from", model_.string(), "--data", data_dir_.string(), "--epochs", "1",
                                     "--lr", "1e-9", "--limit", "64", "--input", "plain", "--threads", "2", "--out",
                                     same_path.string()});
  ASSERT_EQ(same.exit_code, 0) << same;
  EXPECT_THAT(same.out, Not(HasSubstr("replaced"))) << same;
  const lenet5::Model kept = lenet5::load_model(same_path.string());
  ASSERT_EQ(kept.parameters.size(), start.parameters.size());
  for (std::size_t i = 0; i < start.parameters.size(); ++i)
    ASSERT_NEAR(kept.parameters[i], start.parameters[i], 1e-6) << "parameter " << i;
  EXPECT_EQ(kept.preparation, lenet5::InputPreparation::plain);
  ASSERT_EQ(lenet5({"train", "--from", same_path.string(), "--data", two.string(), "--epochs", "1", "--limit", "32",
                    "--threads", "2", "--out", again_path.string()})
                .exit_code,
            0);
  EXPECT_EQ(lenet5::load_model(again_path.string()).preparation, lenet5::InputPreparation::plain);

  expect_failure(lenet5({"train", "--from", model_.string(), "--preset", "classic", "--data", two.string()}), 2,
                 {"--from keeps the model's network: --preset cannot be given with it"});
  expect_failure(lenet5({"train", "--from", (scratch_ / "none.model").string(), "--data", two.string(), "--out",
                         (scratch_ / "x.model").string()}),
                 1, {"none.model: cannot open"});
}

// ---------------------------------------------------------------------------------------------------------
// eval

TEST_F(Cli, EvalDetailsGivePredictionsAndMarginsPerExample) {
  const CommandResult plain = lenet5({"eval", model_.string(), "--data", data_dir_.string(), "--json"});
  EXPECT_THAT(plain.out, Not(HasSubstr("margins")));
  const CommandResult result =
      lenet5({"eval", model_.string(), "--data", data_dir_.string(), "--json", "--details"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const Json evaluation = parse_json(result.out);
  const auto predictions = numbers(evaluation["predictions"]);
  const auto margins = numbers(evaluation["margins"]);
  ASSERT_EQ(predictions.size(), std::size_t(kTestCount));
  ASSERT_EQ(margins.size(), std::size_t(kTestCount));
  double diagonal = 0;
  const auto& rows = evaluation["confusion"].array();
  for (std::size_t row = 0; row < rows.size(); ++row) diagonal += numbers(rows[row])[row];
  std::vector<double> per_class(10, 0.0);
  for (const double p : predictions) {
    ASSERT_GE(p, 0);
    ASSERT_LE(p, 9);
    per_class[std::size_t(p)] += 1;
  }
  // The predictions are the confusion matrix's columns.
  for (std::size_t c = 0; c < 10; ++c) {
    double column = 0;
    for (const auto& row : rows) column += numbers(row)[c];
    EXPECT_EQ(per_class[c], column) << "class " << c;
  }
  for (const double m : margins) EXPECT_GE(m, 0.0);
  EXPECT_EQ(diagonal, evaluation["correct"].number());
}

TEST_F(Cli, EvalJsonHasAccuracyAndConfusionMatrix) {
  const CommandResult result = lenet5({"eval", model_.string(), "--data", data_dir_.string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const Json evaluation = parse_json(result.out);
  const double accuracy = evaluation["accuracy"].number();
  EXPECT_GT(accuracy, 0.9);
  EXPECT_LE(accuracy, 1.0);
  EXPECT_EQ(evaluation["count"].number(), kTestCount);
  EXPECT_NEAR(evaluation["correct"].number(), accuracy * kTestCount, 1e-6);

  const auto& rows = evaluation["confusion"].array();
  ASSERT_EQ(rows.size(), 10u);
  double total = 0, diagonal = 0;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    const auto counts = numbers(rows[row]);
    ASSERT_EQ(counts.size(), 10u);
    for (const double count : counts) total += count;
    diagonal += counts[row];
  }
  EXPECT_EQ(total, kTestCount);
  EXPECT_EQ(diagonal, evaluation["correct"].number());
  EXPECT_EQ(numbers(evaluation["precision"]).size(), 10u);
  EXPECT_EQ(numbers(evaluation["recall"]).size(), 10u);

  // The last epoch's test accuracy was measured on the same model and data.
  const Json last_epoch = parse_json(lines_of(training_.out).back());
  EXPECT_NEAR(last_epoch["test_accuracy"].number(), accuracy, 1e-9);
}

TEST_F(Cli, EvalTextShowsConfusionMatrixAndPrecision) {
  const CommandResult result = lenet5({"eval", model_.string(), "--data", data_dir_.string()});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_THAT(result.out, AllOf(HasSubstr("of " + std::to_string(kTestCount) + " correct"),
                                HasSubstr("confusion matrix"), HasSubstr("precision"), HasSubstr("recall")));
}

TEST_F(Cli, EvalOnTheTrainSplitCountsTrainingImages) {
  const CommandResult result =
      lenet5({"eval", model_.string(), "--data", data_dir_.string(), "--split", "train", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(parse_json(result.out)["count"].number(), kTrainCount);
}

TEST_F(Cli, EvalFailsOnMissingModel) {
  const std::string missing = (scratch_ / "missing.model").string();
  expect_failure(lenet5({"eval", missing, "--data", data_dir_.string()}), 1, {missing, "cannot open"});
}

TEST_F(Cli, EvalFailsOnTruncatedModel) {
  Bytes bytes = read_bytes(model_);
  bytes.resize(bytes.size() / 2);
  const std::string truncated = save_bytes(bytes, "truncated.model");
  expect_failure(lenet5({"eval", truncated, "--data", data_dir_.string()}), 1, {truncated, "truncated"});
}

TEST_F(Cli, EvalFailsOnFilesThatAreNotModels) {
  std::mt19937 random(1);
  const std::string png = save_image(synthetic_digit(3, random), "digit.png");
  const std::string noise = save_bytes(Bytes(1000, 0xA5), "noise.bin");
  for (const std::string& path : {png, noise})
    expect_failure(lenet5({"eval", path, "--data", data_dir_.string()}), 1, {path, "not a lenet5 model file"});
}

TEST_F(Cli, EvalRejectsBadArguments) {
  const std::string missing = (scratch_ / "none.model").string();
  expect_failure(lenet5({"eval", "--model", missing, "--data", data_dir_.string()}), 1, {missing});
  expect_failure(lenet5({"eval", model_.string(), "--split", "validation"}), 2, {"--split must be test or train"});
}

// ---------------------------------------------------------------------------------------------------------
// predict

// A clean square blob on black, `scale` times larger: a stand-in digit whose prepared 28×28 field is known
// (a full 20×20 square, centred), so every size and polarity of it reads the same.
lenet5::GreyImage square_blob(int scale, int left = 6, int width = 64) {
  lenet5::GreyImage image{width * scale, 32 * scale, Bytes(std::size_t(width) * 32 * scale * scale, 0)};
  for (int y = 9 * scale; y < 21 * scale; ++y)
    for (int x = left * scale; x < (left + 12) * scale; ++x) image.pixels[std::size_t(y) * image.width + x] = 255;
  return image;
}

TEST_F(Cli, PredictReadsAPictureTheSameAtAnySizeAndPolarity) {
  const std::string small = save_image(square_blob(1), "blob.pgm");
  // 4 times larger: 256 pixels wide, prepared without reducing it first (a digit's working size), so its
  // edges stay as sharp as the small one's.
  const std::string big_on_paper = save_image(inverted(square_blob(4)), "blob-on-paper.png");
  const auto predictions = predict_json({small, big_on_paper});
  ASSERT_EQ(predictions.size(), 2u);
  EXPECT_EQ(predictions[0]["file"].string(), small);
  EXPECT_EQ(predictions[1]["file"].string(), big_on_paper);
  for (const Json& prediction : predictions) {
    EXPECT_EQ(prediction["status"].string(), "ok");
    EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(prediction["error"].value));
    const double label = prediction["prediction"].number();
    const auto probabilities = numbers(prediction["probabilities"]);
    ASSERT_EQ(probabilities.size(), 10u);
    EXPECT_NEAR(std::accumulate(probabilities.begin(), probabilities.end(), 0.0), 1.0, 1e-4);
    std::vector<double> sorted = probabilities;
    std::sort(sorted.rbegin(), sorted.rend());
    EXPECT_EQ(probabilities[static_cast<std::size_t>(label)], sorted[0]);
    EXPECT_NEAR(prediction["confidence"].number(), sorted[0], 1e-6);
    EXPECT_NEAR(prediction["margin"].number(), sorted[0] - sorted[1], 1e-6);
  }
  // Both pictures prepare to the same 28×28 input.
  EXPECT_EQ(numbers(predictions[0]["probabilities"]), numbers(predictions[1]["probabilities"]));
  // Told the ink is dark, the light-on-black picture's black paper is read as the ink: a page of ink.
  const auto forced = predict_json({small}, {"--invert", "yes"});
  ASSERT_EQ(forced.size(), 1u);
  EXPECT_EQ(forced[0]["status"].string(), "no_digit");
}

// bench --image times predict's steps on a picture, needs no data, and reads the digit predict reads.
TEST_F(Cli, BenchTimesEachStepOfReadingAPicture) {
  const std::string image = save_image(inverted(square_blob(5)), "blob-on-paper.png");
  const CommandResult result = lenet5({"bench", model_.string(), "--image", image, "--repeat", "3", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const Json bench = parse_json(result.out);
  EXPECT_EQ(bench["image"].string(), image);
  EXPECT_EQ(bench["width"].number(), 64 * 5);
  EXPECT_EQ(bench["height"].number(), 32 * 5);
  EXPECT_EQ(bench["runs"].number(), 3);
  EXPECT_EQ(bench["prediction"].number(), predict_json({image}).at(0)["prediction"].number());
  for (const std::string step : {"decode", "prepare", "classify", "prepare_classify"}) {
    EXPECT_GT(bench[step + "_ms"].number(), 0.0) << step;
    EXPECT_GE(bench[step + "_p90_ms"].number(), bench[step + "_ms"].number()) << step;
  }
  const CommandResult text = lenet5({"bench", model_.string(), "--image", image, "--repeat", "1"});
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_THAT(text.out, AllOf(HasSubstr("read + decode"), HasSubstr("prepare + classify"), HasSubstr(" ms")));
  const std::string blank = save_image({60, 40, Bytes(60 * 40, 255)}, "blank.png");
  expect_failure(lenet5({"bench", model_.string(), "--image", blank}), 1, {"blank.png: no digit found"});
  expect_failure(lenet5({"bench", model_.string(), "--image", image, "--threads", "2"}), 2, {"one thread"});
}

TEST_F(Cli, PredictTextOutputNamesTheFileAndTheDigit) {
  const std::string image = save_image(square_blob(2), "blob.png");
  const CommandResult result = lenet5({"predict", "--model", model_.string(), image, "--show"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_THAT(result.out, AllOf(HasSubstr(image + ": "), HasSubstr("%, margin ")));
  EXPECT_THAT(result.out, HasSubstr("\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588")) << "--show draws the square";
}

TEST_F(Cli, PredictReadsAFolderAndStandardInput) {
  const fs::path folder = scratch_ / "pictures";
  fs::create_directories(folder);
  lenet5::write_png(square_blob(1), (folder / "b.png").string());
  lenet5::write_pgm(square_blob(3), (folder / "a.pgm").string());
  write_bytes(folder / "notes.txt", Bytes{'h', 'i'});  // not an image file: skipped
  const auto predictions = predict_json({folder.string()});
  ASSERT_EQ(predictions.size(), 2u);
  EXPECT_EQ(predictions[0]["file"].string(), (folder / "a.pgm").string());
  EXPECT_EQ(predictions[1]["file"].string(), (folder / "b.png").string());

  const CommandResult piped = run_cli({"predict", model_.string(), "-", "--json"}, scratch_, folder / "b.png");
  ASSERT_EQ(piped.exit_code, 0) << piped;
  const Json from_stdin = parse_json(lines_of(piped.out).at(0));
  EXPECT_EQ(from_stdin["file"].string(), "-");
  EXPECT_EQ(numbers(from_stdin["probabilities"]), numbers(predictions[1]["probabilities"]));
}

TEST_F(Cli, PredictSaysNoDigitOnABlankPageAndRejectsBelowMinConfidence) {
  const std::string blank = save_image({60, 40, Bytes(60 * 40, 255)}, "blank.png");
  const std::string blob = save_image(square_blob(1), "blob.png");
  const auto answers = predict_json({blank, blob});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0]["status"].string(), "no_digit");
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(answers[0]["prediction"].value));
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(answers[0]["confidence"].value));
  // The suite's model, trained briefly on blobs, is never quite sure of a centred square.
  const double confidence = answers[1]["confidence"].number();
  ASSERT_LT(confidence, 0.999);
  const auto strict = predict_json({blob}, {"--min-confidence", std::to_string((1 + confidence) / 2)});
  ASSERT_EQ(strict.size(), 1u);
  EXPECT_EQ(strict[0]["status"].string(), "rejected");
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(strict[0]["prediction"].value));
  EXPECT_NEAR(strict[0]["confidence"].number(), confidence, 1e-9);
  const auto lenient = predict_json({blob}, {"--min-confidence", std::to_string(confidence / 2)});
  EXPECT_EQ(lenient.at(0)["status"].string(), "ok");
}

TEST_F(Cli, PredictReadsANumberLeftToRightWithBoxes) {
  // Two bars 24 wide and 36 tall at x 18 and 90 (narrower than touching digits, so each is read whole).
  lenet5::GreyImage two{192, 96, Bytes(192 * 96, 0)};
  for (int y = 27; y < 63; ++y)
    for (int x = 0; x < 192; ++x)
      if ((x >= 18 && x < 42) || (x >= 90 && x < 114)) two.pixels[std::size_t(y) * two.width + x] = 255;
  const std::string image = save_image(inverted(two), "two.png");
  const auto answers = predict_json({image}, {"--number"});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0]["status"].string(), "ok");
  const auto& digits = answers[0]["digits"].array();
  ASSERT_EQ(digits.size(), 2u);
  EXPECT_EQ(numbers(digits[0]["box"]), (std::vector<double>{18, 27, 24, 36}));
  EXPECT_EQ(numbers(digits[1]["box"]), (std::vector<double>{90, 27, 24, 36}));
  const std::string number = answers[0]["prediction"].string();
  ASSERT_EQ(number.size(), 2u);
  EXPECT_EQ(number[0] - '0', digits[0]["prediction"].number());
  EXPECT_EQ(number[1] - '0', digits[1]["prediction"].number());
  EXPECT_NEAR(answers[0]["confidence"].number(),
              digits[0]["confidence"].number() * digits[1]["confidence"].number(), 1e-6);
}

TEST_F(Cli, PredictSavesThePreparedInput) {
  const std::string image = save_image(inverted(square_blob(4)), "blob.png");
  const std::string saved = (scratch_ / "prepared.png").string();
  const CommandResult result = lenet5({"predict", model_.string(), image, "--save-input", saved});
  ASSERT_EQ(result.exit_code, 0) << result;
  const lenet5::GreyImage prepared = lenet5::read_image(saved);
  ASSERT_EQ(prepared.width, 28);
  ASSERT_EQ(prepared.height, 28);
  // The 12×12 square fills the 20×20 box; its centre of mass (10, 10) goes to 14.5: columns and rows 5–24
  // (round(4.5) = 5).
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      ASSERT_EQ(prepared.pixels[std::size_t(y) * 28 + x], x >= 5 && x < 25 && y >= 5 && y < 25 ? 255 : 0) << x << "," << y;
}

// train --input plain stores the plain preparation, info shows it, and predict applies whatever the model
// records: the whole picture letterboxed for it, the digit cropped and centred for a digit model.
TEST_F(Cli, APlainModelIsTrainedShownAndApplied) {
  const fs::path plain = scratch_ / "plain.model";
  const CommandResult training = lenet5(train_arguments(plain, kSeed, {"--input", "plain", "--epochs", "1"}));
  ASSERT_EQ(training.exit_code, 0) << training;
  const CommandResult info = lenet5({"info", "--model", plain.string(), "--json"});
  EXPECT_EQ(parse_json(info.out)["input_preparation"].string(), "plain") << info;
  EXPECT_THAT(lenet5({"info", "--model", plain.string()}).out, HasSubstr(", input preparation plain\n"));
  EXPECT_EQ(parse_json(lenet5({"info", "--model", model_.string(), "--json"}).out)["input_preparation"].string(),
            "digit");
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(
      parse_json(lenet5({"info", "--preset", "modern", "--json"}).out)["input_preparation"].value));

  const lenet5::GreyImage blob = square_blob(1);
  const lenet5::Image picture{blob.width, blob.height, 1, blob.pixels};
  const std::string image = save_image(blob, "blob.png"), saved = (scratch_ / "prepared.png").string();
  ASSERT_EQ(lenet5({"predict", plain.string(), image, "--save-input", saved}).exit_code, 0);
  EXPECT_EQ(lenet5::read_image(saved).pixels, lenet5::prepare_plain(picture).field.pixels);
  ASSERT_EQ(lenet5({"predict", model_.string(), image, "--save-input", saved}).exit_code, 0);
  EXPECT_EQ(lenet5::read_image(saved).pixels, lenet5::prepare_digit(picture).field.pixels);
  ASSERT_NE(lenet5::prepare_plain(picture).field.pixels, lenet5::prepare_digit(picture).field.pixels);

  expect_failure(lenet5({"predict", plain.string(), image, "--number"}), 2, {"--number reads digits", "plain"});
  expect_failure(lenet5(train_arguments(scratch_ / "m.model", kSeed, {"--input", "letterbox"})), 2,
                 {"--input must be digit or plain"});
}

TEST_F(Cli, PredictKeepsReadingAfterABadFileAndFailsAtTheEnd) {
  const std::string good = save_image(square_blob(1), "good.png");
  const std::string missing = (scratch_ / "missing.png").string();
  const std::string noise = save_bytes(Bytes(300, 0x5A), "noise.png");
  Bytes png = read_bytes(save_image(square_blob(1), "whole.png"));
  png.resize(png.size() / 2);
  const std::string cut = save_bytes(png, "cut.png");
  const CommandResult result = lenet5({"predict", model_.string(), missing, good, noise, cut, "--json"});
  EXPECT_EQ(result.exit_code, 1) << result;
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 4u) << result;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"error", "cannot open"}, {"ok", ""}, {"error", "not an image (PNG, JPEG, BMP, PGM/PPM or WebP)"}, {"error", "invalid PNG"}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Json answer = parse_json(lines[i]);
    EXPECT_EQ(answer["status"].string(), expected[i].first) << lines[i];
    if (expected[i].first == "error") {
      EXPECT_THAT(answer["error"].string(), HasSubstr(expected[i].second)) << lines[i];
    }
  }
  // Text output says the same per file.
  const CommandResult text = lenet5({"predict", model_.string(), missing, good});
  EXPECT_EQ(text.exit_code, 1) << text;
  EXPECT_THAT(text.out, AllOf(HasSubstr(missing + ": error: "), HasSubstr(good + ": ")));
}

TEST_F(Cli, PredictFindsItsModel) {
  const std::string image = save_image(square_blob(1), "blob.png");
  // The model given first, as --model, or both (a usage error).
  const CommandResult named = lenet5({"predict", "--model", model_.string(), image});
  EXPECT_EQ(named.exit_code, 0) << named;
  expect_failure(lenet5({"predict", model_.string(), image, "--model", model_.string()}), 2, {"both first and as --model"});
  expect_failure(lenet5({"predict", "--model", (scratch_ / "none.model").string(), image}), 1, {"none.model"});
}

// Dark strokes of `width` pixels on white paper: each stroke a line from (x0, y0) to (x1, y1).
lenet5::GreyImage drawing(int side, int width, const std::vector<std::array<double, 4>>& strokes) {
  lenet5::GreyImage image{side, side, Bytes(std::size_t(side) * side, 255)};
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (const auto& [x0, y0, x1, y1] : strokes) {
        const double dx = x1 - x0, dy = y1 - y0;
        const double t = std::clamp(((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
        if (std::hypot(x - (x0 + t * dx), y - (y0 + t * dy)) <= width / 2.0) image.pixels[std::size_t(y) * side + x] = 20;
      }
  return image;
}

TEST_F(Cli, PredictReadsDrawnDigitsWithTheShippedModels) {
  // A 7 (a bar and a slanted stem), a 1 and a 4 drawn with a 14-pixel pen on a 240-pixel page, read with
  // no --model (the shipped modern model) and with the shipped classic one.
  const std::vector<std::pair<int, lenet5::GreyImage>> digits = {
      {7, drawing(240, 14, {{60, 50, 180, 50}, {180, 50, 110, 200}})},
      {1, drawing(240, 14, {{125, 40, 115, 200}})},
      {4, drawing(240, 14, {{140, 40, 60, 140}, {60, 140, 190, 140}, {150, 90, 150, 210}})}};
  for (const auto& [label, picture] : digits) {
    const std::string file = save_image(picture, "drawn-" + std::to_string(label) + ".png");
    for (const std::vector<std::string>& model : {std::vector<std::string>{}, std::vector<std::string>{"--model", "classic"}}) {
      std::vector<std::string> arguments{"predict", file, "--json"};
      arguments.insert(arguments.end(), model.begin(), model.end());
      const CommandResult result = lenet5(arguments);
      ASSERT_EQ(result.exit_code, 0) << result;
      const Json answer = parse_json(lines_of(result.out).at(0));
      EXPECT_EQ(answer["status"].string(), "ok") << result.out;
      EXPECT_EQ(answer["prediction"].number(), label) << (model.empty() ? "modern" : "classic") << ": " << result.out;
    }
  }
}

TEST_F(Cli, PredictNeedsAnImage) {
  expect_failure(lenet5({"predict", model_.string()}), 2, {"name at least one image, folder or '-'"});
  expect_failure(lenet5({"predict", model_.string(), "x.pgm", "--invert", "maybe"}), 2,
                 {"--invert must be auto, yes or no"});
  expect_failure(lenet5({"predict", model_.string(), "x.pgm", "--min-confidence", "2"}), 2, {"--min-confidence"});
}

// ---------------------------------------------------------------------------------------------------------
// CSV files in Kaggle's layout: training on them, and predict --csv's submission

// The header, then per image its label (when `labels` has one per image) and its pixels.
std::string csv_of(const std::vector<lenet5::GreyImage>& images, const std::vector<int>& labels = {}) {
  std::string text = labels.empty() ? "" : "label";
  for (int i = 0; i < images.at(0).width * images[0].height; ++i) {
    if (!text.empty()) text += ',';
    text += "pixel" + std::to_string(i);
  }
  text += '\n';
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!labels.empty()) text += std::to_string(labels[i]) + ",";
    for (const std::uint8_t pixel : images[i].pixels) text += std::to_string(pixel) + ",";
    text.back() = '\n';
  }
  return text;
}

std::vector<lenet5::GreyImage> synthetic_digits(const std::vector<int>& labels, std::mt19937& random) {
  std::vector<lenet5::GreyImage> images;
  for (const int label : labels) images.push_back(synthetic_digit(label, random));
  return images;
}

// Kaggle's submission for `images`, as `model_file`'s classifier reads them: the expected file, byte for byte.
std::string expected_submission(const fs::path& model_file, const std::vector<lenet5::GreyImage>& images) {
  lenet5::Dataset data;
  data.count = images.size();
  data.rows = images.at(0).height;
  data.cols = images[0].width;
  for (const auto& image : images) data.images.insert(data.images.end(), image.pixels.begin(), image.pixels.end());
  const lenet5::Classifier classifier(lenet5::load_model(model_file.string()));
  const std::vector<std::string> names = lenet5::class_names(classifier.model());
  std::string text = "ImageId,Label\n";
  const std::vector<int> predictions = classifier.predict(data).labels;
  for (std::size_t i = 0; i < predictions.size(); ++i)
    text += std::to_string(i + 1) + "," + names.at(std::size_t(predictions[i])) + "\n";
  return text;
}

TEST_F(Cli, PredictCsvWritesKaggleSubmission) {
  std::mt19937 random(11);
  std::vector<int> labels;
  for (int i = 0; i < 40; ++i) labels.push_back(i % 10);
  const auto images = synthetic_digits(labels, random);
  const fs::path test = scratch_ / "test.csv", submission = scratch_ / "submission.csv";
  write_text(test, csv_of(images));
  const CommandResult result = lenet5({"predict", "--model", model_.string(), "--csv", test.string(), "--out",
                                       submission.string()});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.out, test.string() + ": 40 images classified; submission written to " + submission.string() + "\n");
  const std::string expected = expected_submission(model_, images);
  EXPECT_EQ(read_text(submission), expected);

  // With labels, the accuracy too: the rows whose submitted class is their label (the last ten mislabelled).
  for (std::size_t i = 30; i < labels.size(); ++i) labels[i] = (labels[i] + 5) % 10;
  std::size_t correct = 0;
  const auto lines = lines_of(expected);
  for (std::size_t i = 0; i < labels.size(); ++i) correct += lines.at(i + 1) == std::to_string(i + 1) + "," + std::to_string(labels[i]);
  ASSERT_GT(correct, 15u) << "the suite's model reads its synthetic digits";
  write_text(scratch_ / "train.csv", csv_of(images, labels));
  const CommandResult json = lenet5({"predict", model_.string(), "--csv", (scratch_ / "train.csv").string(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  const Json summary = parse_json(json.out);
  EXPECT_EQ(summary["count"].number(), 40);
  EXPECT_EQ(summary["correct"].number(), double(correct));
  EXPECT_NEAR(summary["accuracy"].number(), double(correct) / 40, 1e-9);
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(summary["out"].value));
  const CommandResult text = lenet5({"predict", model_.string(), "--csv", (scratch_ / "train.csv").string()});
  EXPECT_THAT(text.out, HasSubstr(": 40 images classified, " + std::to_string(correct) + " correct, accuracy ")) << text;
}

// A model's class names: in the submission, predict's text and --json's class_name.
TEST_F(Cli, PredictNamesTheModelsClasses) {
  lenet5::Model model = lenet5::initialize_model(lenet5::fit_to_data(lenet5::modern_preset(), 1, 3), 5);
  model.classes = {"cat", "dog", "7"};
  model.preparation = lenet5::InputPreparation::plain;
  const fs::path model_file = scratch_ / "named.model";
  lenet5::save_model(model, model_file.string());
  std::mt19937 random(3);
  const auto images = synthetic_digits({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, random);
  const std::string csv = csv_of(images);
  write_text(scratch_ / "test.csv", csv);
  const fs::path submission = scratch_ / "submission.csv";
  ASSERT_EQ(lenet5({"predict", model_file.string(), "--csv", (scratch_ / "test.csv").string(), "--out",
                    submission.string()}).exit_code, 0);
  EXPECT_EQ(read_text(submission), expected_submission(model_file, images));

  // Labels that are numbers are named as the model's classes by --classes; without it, the error says so.
  const auto lines = lines_of(read_text(submission));
  std::vector<int> labels;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    labels.push_back(int(i % 3));
    correct += lines.at(i + 1) == std::to_string(i + 1) + "," + model.classes[i % 3];
  }
  write_text(scratch_ / "train.csv", csv_of(images, labels));
  write_text(scratch_ / "names.txt", "cat\ndog\n7\n");
  const std::vector<std::string> labelled{"predict", model_file.string(), "--csv", (scratch_ / "train.csv").string()};
  expect_failure(lenet5(labelled), 1, {"class '0' is not among", "give --classes FILE"});
  std::vector<std::string> named = labelled;
  named.insert(named.end(), {"--classes", (scratch_ / "names.txt").string(), "--json"});
  const CommandResult summary = lenet5(named);
  ASSERT_EQ(summary.exit_code, 0) << summary;
  EXPECT_EQ(parse_json(summary.out)["correct"].number(), double(correct));

  const std::string image = save_image(images[0], "zero.png");
  const CommandResult json = lenet5({"predict", model_file.string(), image, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  const Json answer = parse_json(json.out);
  const std::string name = model.classes.at(std::size_t(answer["prediction"].number()));
  EXPECT_EQ(answer["class_name"].string(), name);
  const CommandResult text = lenet5({"predict", model_file.string(), image});
  EXPECT_EQ(text.out.substr(0, text.out.find(" (")), image + ": " + name) << text;
}

// A digits model's class names are its digits, for a picture and for each digit of a number.
TEST_F(Cli, PredictJsonGivesTheClassNameOfDigitsAndNumbers) {
  const auto single = predict_json({save_image(square_blob(1), "blob.png")});
  EXPECT_EQ(single.at(0)["class_name"].string(), std::to_string(int(single[0]["prediction"].number())));
  lenet5::GreyImage two{192, 96, Bytes(192 * 96, 0)};
  for (int y = 27; y < 63; ++y)
    for (int x = 0; x < 192; ++x)
      if ((x >= 18 && x < 42) || (x >= 90 && x < 114)) two.pixels[std::size_t(y) * two.width + x] = 255;
  const auto number = predict_json({save_image(inverted(two), "two.png")}, {"--number"});
  EXPECT_EQ(number.at(0)["class_name"].string(), number[0]["prediction"].string());
  for (const Json& digit : number[0]["digits"].array())
    EXPECT_EQ(digit["class_name"].string(), std::to_string(int(digit["prediction"].number())));
  const auto blank = predict_json({save_image({60, 40, Bytes(60 * 40, 255)}, "blank.png")});
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(blank.at(0)["class_name"].value));
}

TEST_F(Cli, PredictCsvFailures) {
  const std::string image = save_image(square_blob(1), "blob.png");
  const std::string csv = (scratch_ / "test.csv").string();
  expect_failure(lenet5({"predict", model_.string(), image, "--out", "s.csv"}), 2, {"--out", "needs --csv"});
  expect_failure(lenet5({"predict", model_.string(), image, "--classes", "names.txt"}), 2, {"--classes", "needs --csv"});
  expect_failure(lenet5({"predict", model_.string(), image, "--csv", csv}), 2, {"--csv", "name no pictures"});
  expect_failure(lenet5({"predict", model_.string(), "--csv", csv, "--number"}), 2, {"--number is for pictures"});
  expect_failure(lenet5({"predict", model_.string(), "--csv", csv}), 1, {csv + ": cannot open"});
  std::mt19937 random(5);
  const std::string small = csv_of({lenet5::GreyImage{16, 16, Bytes(256, 9)}});
  write_text(csv, small);
  expect_failure(lenet5({"predict", model_.string(), "--csv", csv, "--out", (scratch_ / "s.csv").string()}), 1,
                 {csv + ": 16x16 grey images, but the model reads 28x28 grey images"});
  EXPECT_FALSE(fs::exists(scratch_ / "s.csv"));
  const std::string unknown = csv_of(synthetic_digits({1}, random), {12});
  write_text(csv, unknown);
  expect_failure(lenet5({"predict", model_.string(), "--csv", csv}), 1, {"class '12' is not among"});
  const std::string cut = csv_of(synthetic_digits({1, 2}, random));
  write_bytes(csv, Bytes(cut.begin(), cut.end() - 5));
  expect_failure(lenet5({"predict", model_.string(), "--csv", csv}), 1, {csv + ":3: "});
}

// Kaggle's Digit Recognizer as it comes: train.csv with labels (here 3, 5 and 9), test.csv without. Training
// holds out --validation images, and predict --csv writes the test set's submission in the data's classes.
TEST_F(Cli, TrainsOnKaggleCsvAndSubmits) {
  const fs::path data = scratch_ / "digit-recognizer";
  fs::create_directories(data);
  std::mt19937 random(17);
  std::vector<int> blobs, labels;
  for (int i = 0; i < 120; ++i) {
    blobs.push_back(int(random() % 3));
    labels.push_back(std::vector<int>{3, 5, 9}[std::size_t(blobs.back())]);
  }
  const std::string train = csv_of(synthetic_digits(blobs, random), labels);
  write_text(data / "train.csv", train);
  const auto test_images = synthetic_digits({0, 1, 2, 2}, random);
  const std::string test = csv_of(test_images);
  write_text(data / "test.csv", test);
  const fs::path model = scratch_ / "kaggle.model";
  const std::vector<std::string> recipe{"train", "--data", data.string(), "--epochs", "1", "--batch", "16",
                                        "--threads", "2", "--out", model.string()};
  const CommandResult unlabelled = lenet5(recipe);
  expect_failure(unlabelled, 1, {"test.csv: has no labels", "--validation N", "lenet5 predict --csv"});
  EXPECT_THAT(unlabelled.err, Not(HasSubstr("fetch-mnist"))) << "a dataset was found: no hint about getting MNIST";
  std::vector<std::string> held_out = recipe;
  held_out.insert(held_out.end(), {"--validation", "20"});
  const CommandResult training = lenet5(held_out);
  ASSERT_EQ(training.exit_code, 0) << training;
  EXPECT_EQ(lenet5::load_model(model.string()).classes, (std::vector<std::string>{"3", "5", "9"}));
  const fs::path submission = scratch_ / "submission.csv";
  const CommandResult predicted =
      lenet5({"predict", model.string(), "--csv", (data / "test.csv").string(), "--out", submission.string()});
  ASSERT_EQ(predicted.exit_code, 0) << predicted;
  EXPECT_EQ(read_text(submission), expected_submission(model, test_images));
}

}  // namespace
