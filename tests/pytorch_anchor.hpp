#pragma once
// What the PyTorch cross-checks share (test_pytorch_crosscheck.cpp: the modern preset against
// ../shared/anchors/pytorch_lenet5.py; test_pytorch_classic.cpp: the classic preset against
// pytorch_lenet5_classic.py): a fixture that runs a python side script beside an anchor in a scratch folder,
// raw little-endian arrays and IDX files to exchange through it, real MNIST bytes, and comparisons of flat
// buffers group by group (a layer's parameters, a batch's penalties) relative to each group's largest
// magnitude, naming the group and the index of the worst difference.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/rng.hpp"
#include "lenet5/dataset.hpp"
#include "nn/network.hpp"
#include "test_util.hpp"

namespace lenet5::pytorch {

namespace fs = std::filesystem;

inline std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class T>
void write_raw(const fs::path& path, const std::vector<T>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// The file's values widened to double, so comparisons need one type whichever precision was exchanged.
template <class T>
std::vector<double> read_raw(const fs::path& path) {
  const std::string bytes = read_text(path);
  std::vector<T> values(bytes.size() / sizeof(T));
  std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(values.size() * sizeof(T)),
            reinterpret_cast<char*>(values.data()));
  return {values.begin(), values.end()};
}

template <class T>
std::vector<double> widened(const std::vector<T>& values) {
  return {values.begin(), values.end()};
}

// An unsigned-byte IDX file (big-endian dimensions), the format the anchors' own loaders read.
inline void write_idx(const fs::path& path, const std::vector<std::uint32_t>& dims,
                      const std::vector<std::uint8_t>& bytes) {
  std::vector<std::uint8_t> file = {0, 0, 0x08, std::uint8_t(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) file.push_back(std::uint8_t(d >> shift));
  file.insert(file.end(), bytes.begin(), bytes.end());
  write_raw(path, file);
}

// A named slice of a flat buffer: one layer's parameters, or all of a batch's penalties.
struct Group {
  std::string name;
  std::size_t offset = 0, count = 0;
};

// The layers with parameters, in flat order; within one, weights (or a trainable subsampling's
// coefficients, one per map) come first and one bias per output map last.
template <class T>
std::vector<Group> parameter_groups(const nn::Network<T>& network) {
  std::vector<Group> groups;
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    if (const std::size_t count = network.layer(i).parameter_count())
      groups.push_back({network.spec().layers[i].name, network.parameter_offset(i), count});
  return groups;
}

// "C3 weight 1234 of 1500" / "S2 coefficient 3" / "F6 bias 7": where a flat index lies, for failure messages.
template <class T>
std::string describe_parameter(const nn::Network<T>& network, std::size_t index) {
  for (std::size_t i = 0; i < network.layer_count(); ++i) {
    const std::size_t offset = network.parameter_offset(i), count = network.layer(i).parameter_count();
    if (index < offset || index >= offset + count) continue;
    const std::size_t local = index - offset, biases = std::size_t(network.layer(i).output_shape().channels);
    const std::size_t heads = count - biases;
    const bool subsample = std::holds_alternative<SubsampleSpec>(network.spec().layers[i].op);
    return network.spec().layers[i].name +
           (local >= heads ? " bias " + std::to_string(local - heads)
                           : (subsample ? " coefficient " : " weight ") + std::to_string(local) + " of " +
                                 std::to_string(heads));
  }
  return "index " + std::to_string(index);
}

// initialize_model starts every bias at 0 and every subsampling coefficient at 1; random ones make their
// places in the flat buffer, and the coefficients' role, part of the check.
inline void randomize_biases_and_coefficients(const nn::Network<float>& network, std::vector<float>& parameters,
                                              Rng& rng) {
  for (std::size_t i = 0; i < network.layer_count(); ++i) {
    const std::size_t first = network.parameter_offset(i), end = first + network.layer(i).parameter_count();
    if (first == end) continue;
    const std::size_t biases = end - std::size_t(network.layer(i).output_shape().channels);
    for (std::size_t k = biases; k < end; ++k) parameters[k] = rng.uniform(-0.3f, 0.3f);
    if (std::holds_alternative<SubsampleSpec>(network.spec().layers[i].op))
      for (std::size_t k = first; k < biases; ++k) parameters[k] = rng.uniform(0.5f, 1.5f);
  }
}

template <class T>
std::function<std::string(std::size_t)> parameter_describer(const nn::Network<T>& network) {
  return [&network](std::size_t index) { return describe_parameter(network, index); };
}

inline double largest_magnitude(const std::vector<double>& values, const Group& group) {
  double largest = 0.0;
  for (std::size_t i = group.offset; i < group.offset + group.count; ++i) largest = std::max(largest, std::abs(values[i]));
  return largest;
}

// Expects every group of `ours` within `tolerance` of `theirs`, each difference relative to the largest
// |theirs| in its group; a failure names `what`, the group, the index and both values. Returns the worst
// relative difference over all groups, for the log.
inline double expect_close_by_group(const std::vector<Group>& groups, const std::vector<double>& ours,
                                    const std::vector<double>& theirs, double tolerance, const std::string& what,
                                    const std::function<std::string(std::size_t)>& describe) {
  EXPECT_EQ(ours.size(), theirs.size()) << what << ": sizes differ";
  if (ours.size() != theirs.size()) return INFINITY;
  double worst_overall = 0.0;
  for (const Group& group : groups) {
    const double scale = largest_magnitude(theirs, group);
    EXPECT_GT(scale, 0.0) << what << " of " << group.name << " are all zero: the comparison would mean nothing";
    double worst = 0.0;
    std::size_t worst_index = group.offset;
    for (std::size_t i = group.offset; i < group.offset + group.count; ++i) {
      const double relative = std::abs(ours[i] - theirs[i]) / scale;
      if (!(relative <= worst)) {  // NaN counts as the worst
        worst = std::isnan(relative) ? INFINITY : relative;
        worst_index = i;
      }
    }
    EXPECT_LE(worst, tolerance) << what << " of " << group.name << " differ by " << worst
                                << " relative to the group's largest |value| " << scale << " at "
                                << describe(worst_index) << ": ours " << ours[worst_index] << ", PyTorch "
                                << theirs[worst_index];
    worst_overall = std::max(worst_overall, worst);
  }
  return worst_overall;
}

// Expects a training step to have changed every group by at least `minimum` relative to its largest
// |value|, so that a comparison of the new values at a tolerance far below that tests the step itself.
inline void expect_moved_by_group(const std::vector<Group>& groups, const std::vector<double>& before,
                                  const std::vector<double>& after, double minimum, const std::string& what) {
  for (const Group& group : groups) {
    double moved = 0.0;
    for (std::size_t i = group.offset; i < group.offset + group.count; ++i)
      moved = std::max(moved, std::abs(after[i] - before[i]));
    EXPECT_GT(moved, minimum * largest_magnitude(after, group))
        << what << " barely changed " << group.name << " (largest change " << moved
        << "): comparing the new values would not test the step";
  }
}

// Runs `tests/<script> <anchor> <scratch folder>` with /usr/bin/python3 (or $LENET5_PYTHON) for a test, the
// anchor found in ../shared/anchors (or $LENET5_ANCHORS). The test writes its inputs into dir() first and
// reads the results from it after.
class PythonAnchorTest : public testing::Test {
 protected:
  // Call from SetUp; GTEST_SKIPs where python3 or the anchor is missing.
  void start(const std::string& anchor_name, const std::string& script_name) {
    const char* python = std::getenv("LENET5_PYTHON");
    python_ = python && *python ? python : "/usr/bin/python3";
    const char* anchors = std::getenv("LENET5_ANCHORS");
    anchor_ = (anchors && *anchors ? fs::path(anchors) : fs::path(LENET5_SOURCE_DIR) / ".." / "shared" / "anchors") /
              anchor_name;
    script_ = fs::path(LENET5_SOURCE_DIR) / "tests" / script_name;
    if (!fs::exists(python_)) GTEST_SKIP() << "SKIPPED: " << python_ << " not found (apt-get install python3-torch)";
    if (!fs::exists(anchor_))
      GTEST_SKIP() << "SKIPPED: the PyTorch anchor " << anchor_ << " is missing (set LENET5_ANCHORS to its folder)";
    ASSERT_TRUE(fs::exists(script_)) << script_ << " is missing";
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lenet5_test_pytorch_" + std::to_string(getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  const fs::path& dir() const { return dir_; }

  // The first `count` MNIST test images, or nothing (with `skip_reason` set) where MNIST is absent.
  static std::optional<Dataset> mnist_test_images(std::size_t count, std::string& skip_reason) {
    if (!fs::exists(testing_util::mnist_dir())) {
      skip_reason = "SKIPPED: MNIST not found at " + testing_util::mnist_dir() + " (set LENET5_DATA)";
      return std::nullopt;
    }
    return load_mnist(testing_util::mnist_dir(), Split::test).head(count);
  }

  // Runs the script. Returns false, with `skip_reason` set where torch cannot be imported (the script's exit
  // status 77) or with a failed expectation where it fails.
  bool run_script(std::string& skip_reason) {
    const fs::path log = dir_ / "output.txt";
    const std::string command = shell_quoted(python_) + " " + shell_quoted(script_.string()) + " " +
                                shell_quoted(anchor_.string()) + " " + shell_quoted(dir_.string()) + " >" +
                                shell_quoted(log.string()) + " 2>&1";
    const int status = std::system(command.c_str());
    const std::string output = read_text(log);
    EXPECT_NE(status, -1) << "cannot run " << command;
    if (status == -1) return false;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
      skip_reason = "SKIPPED: " + output;
      return false;
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << " failed:\n" << output;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  // A number from the script's flat result.json ({"name": value, ...}); NaN where it is missing.
  double result_number(const std::string& name) const {
    const std::string result = read_text(dir_ / "result.json");
    const std::string key = "\"" + name + "\":";
    const auto at = result.find(key);
    EXPECT_NE(at, std::string::npos) << "no " << name << " in result.json: " << result;
    return at == std::string::npos ? NAN : std::strtod(result.c_str() + at + key.size(), nullptr);
  }

 private:
  std::string python_;
  fs::path anchor_, script_, dir_;
};

// A suite whose tests share one run of the script (python and torch take a second or two to start): the first
// test to start makes the comparison, writing the inputs, running the script and reading its results; the
// others reuse it.
template <class Comparison>
class SharedRunTest : public PythonAnchorTest {
 protected:
  // Call from SetUp.
  void start_shared(const std::string& anchor_name, const std::string& script_name) {
    start(anchor_name, script_name);
    if (IsSkipped() || HasFatalFailure()) return;
    if (!comparison_ && skip_reason_.empty()) comparison_ = compare(skip_reason_);
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(comparison_) << "the comparison with PyTorch could not be made (see the failures above)";
  }

  // Nothing, with `skip_reason` set or after failed expectations, where it cannot be made.
  virtual std::optional<Comparison> compare(std::string& skip_reason) = 0;

  const Comparison& comparison() const { return *comparison_; }

 private:
  static inline std::optional<Comparison> comparison_;
  static inline std::string skip_reason_;
};

}  // namespace lenet5::pytorch
