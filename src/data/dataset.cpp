// The Dataset's own operations and the statistics the modern preset's input scaling comes from.
#include <algorithm>
#include <array>
#include <cmath>

#include "lenet5/dataset.hpp"

namespace lenet5 {

std::vector<std::string> digit_class_names() {
  std::vector<std::string> names;
  for (int digit = 0; digit < 10; ++digit) names.push_back(std::to_string(digit));
  return names;
}

void Dataset::check_images(const std::string& what) const {
  if (channels < 1 || rows < 1 || cols < 1 || images.size() != count * image_size())
    throw Error(what + ": the dataset's buffers do not hold " + std::to_string(count) + " images of " +
                std::to_string(channels) + "x" + std::to_string(rows) + "x" + std::to_string(cols));
}

void Dataset::check_consistent(const std::string& what) const {
  check_images(what);
  if (labels.empty() && count > 0)
    throw Error(what + ": the images have no labels (such as Kaggle's test.csv): they can be classified, not "
                "trained or evaluated on");
  if (labels.size() != count)
    throw Error(what + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(count) + " images");
  if (classes.empty() || classes.size() > kMaxClasses)
    throw Error(what + ": " + std::to_string(classes.size()) + " classes (1 to " + std::to_string(kMaxClasses) +
                " are possible)");
  const auto bad = std::find_if(labels.begin(), labels.end(), [&](std::uint8_t label) { return label >= classes.size(); });
  if (bad != labels.end())
    throw Error(what + ": label " + std::to_string(*bad) + " of example " + std::to_string(bad - labels.begin()) +
                " is not one of its " + std::to_string(classes.size()) + " classes");
}

Dataset Dataset::slice(std::size_t first, std::size_t n) const {
  first = std::min(first, count);
  const std::size_t kept = std::min(n, count - first);
  Dataset subset;
  subset.count = kept;
  subset.channels = channels;
  subset.rows = rows;
  subset.cols = cols;
  subset.classes = classes;
  subset.name = name;
  const auto image_begin = images.begin() + static_cast<std::ptrdiff_t>(first * image_size());
  subset.images.assign(image_begin, image_begin + static_cast<std::ptrdiff_t>(kept * image_size()));
  if (!labels.empty()) {
    const auto label_begin = labels.begin() + static_cast<std::ptrdiff_t>(first);
    subset.labels.assign(label_begin, label_begin + static_cast<std::ptrdiff_t>(kept));
  }
  return subset;
}

std::vector<ChannelStatistics> channel_statistics(const Dataset& data) {
  data.check_consistent("dataset");
  // Byte histograms per channel: exact counts, then the moments in double.
  std::vector<std::array<std::uint64_t, 256>> histograms(std::size_t(data.channels), std::array<std::uint64_t, 256>{});
  const std::size_t plane = std::size_t(data.rows) * data.cols;
  for (std::size_t i = 0; i < data.count; ++i)
    for (int c = 0; c < data.channels; ++c) {
      const std::uint8_t* pixels = data.images.data() + i * data.image_size() + std::size_t(c) * plane;
      for (std::size_t p = 0; p < plane; ++p) ++histograms[c][pixels[p]];
    }
  std::vector<ChannelStatistics> statistics;
  for (const auto& histogram : histograms) {
    double total = 0, sum = 0, squares = 0;
    for (int byte = 0; byte < 256; ++byte) {
      const double n = double(histogram[byte]), value = byte / 255.0;
      total += n;
      sum += n * value;
      squares += n * value * value;
    }
    ChannelStatistics channel;
    if (total > 0) {
      channel.mean = sum / total;
      channel.deviation = std::sqrt(std::max(0.0, squares / total - channel.mean * channel.mean));
    }
    statistics.push_back(channel);
  }
  return statistics;
}

std::vector<InputScaling> standardizing_scaling(const Dataset& data) {
  // Rounded to 4 decimals, as such constants are published (MNIST's 0.1307 and 0.3081): an estimate's
  // digits beyond that change nothing, and MNIST then gets exactly the constants the preset always had.
  const auto rounded = [](double value) { return float(std::round(value * 1e4) / 1e4); };
  std::vector<InputScaling> scaling;
  for (const ChannelStatistics& channel : channel_statistics(data)) {
    const float mean = rounded(channel.mean), deviation = channel.deviation >= 1e-4 ? rounded(channel.deviation) : 1.0f;
    scaling.push_back({(0.0f - mean) / deviation, (1.0f - mean) / deviation});
  }
  return scaling;
}

}  // namespace lenet5
