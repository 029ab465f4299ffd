// CIFAR-10's binary batches (https://www.cs.toronto.edu/~kriz/cifar.html): records of one label byte and a
// 32×32 colour image as three planes (1024 R, 1024 G, 1024 B bytes, each row-major), already the Dataset's
// layout.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "data/raw_split.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

namespace fs = std::filesystem;

constexpr int kSide = 32;
constexpr std::size_t kImageBytes = 3 * kSide * kSide;
constexpr std::size_t kRecordBytes = 1 + kImageBytes;

// The training batches `data_batch_<n>.bin`, by n (so data_batch_10 follows data_batch_9).
std::vector<fs::path> training_batches(const std::string& dir) {
  std::vector<std::pair<unsigned long, fs::path>> numbered;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    const std::string prefix = "data_batch_", suffix = ".bin";
    if (!name.starts_with(prefix) || !name.ends_with(suffix) || name.size() == prefix.size() + suffix.size()) continue;
    const std::string number = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (number.size() > 9 || !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    numbered.emplace_back(std::stoul(number), entry.path());
  }
  if (error) throw DataNotFound(dir + ": cannot list the folder: " + error.message());
  std::sort(numbered.begin(), numbered.end());
  std::vector<fs::path> paths;
  for (auto& [number, path] : numbered) paths.push_back(std::move(path));
  return paths;
}

// `batches.meta.txt`: the class names, one per line, the label byte indexing the non-blank lines.
std::vector<std::string> read_meta_names(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot read the class names");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    line.erase(0, line.find_first_not_of(" \t"));
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// Appends the batch's records to `raw`; with `class_names` given (from `meta`), every label must index them.
void read_batch(const fs::path& path, RawSplit& raw, const std::vector<std::string>* class_names,
                const fs::path& meta) {
  std::error_code error;
  const std::uintmax_t length = fs::file_size(path, error);
  if (error) throw Error(path.string() + ": cannot read: " + error.message());
  if (length == 0 || length % kRecordBytes != 0)
    throw Error(path.string() + ": " + std::to_string(length) + " bytes, not a whole number of " +
                std::to_string(kRecordBytes) + "-byte CIFAR-10 records (a label byte and a 3x32x32 image)");
  std::ifstream in(path, std::ios::binary);
  const std::size_t records = length / kRecordBytes, first = raw.data.count;
  raw.data.count += records;
  raw.data.images.resize(raw.data.count * kImageBytes);
  raw.data.labels.resize(raw.data.count);
  for (std::size_t record = 0; record < records; ++record) {
    std::uint8_t& label = raw.data.labels[first + record];
    in.read(reinterpret_cast<char*>(&label), 1);
    in.read(reinterpret_cast<char*>(raw.data.images.data() + (first + record) * kImageBytes), kImageBytes);
    if (!in) throw Error(path.string() + ": cannot read record " + std::to_string(record) + " (file truncated?)");
    if (raw.names.count(label)) continue;
    if (class_names && label >= class_names->size())
      throw Error(path.string() + ": record " + std::to_string(record) + " has label " + std::to_string(label) +
                  ", but " + meta.string() + " names " + std::to_string(class_names->size()) + " classes");
    raw.names[label] = class_names ? (*class_names)[label] : std::to_string(label);
  }
}

}  // namespace

RawSplit read_cifar10_split(const std::string& dir, Split split) {
  std::vector<fs::path> batches;
  if (split == Split::train) {
    batches = training_batches(dir);
    if (batches.empty()) throw DataNotFound(dir + ": no CIFAR-10 training batches (data_batch_1.bin, …)");
  } else {
    const fs::path test = fs::path(dir) / "test_batch.bin";
    std::error_code error;
    if (!fs::exists(test, error)) throw DataNotFound(test.string() + ": no such file (the CIFAR-10 test batch)");
    batches.push_back(test);
  }
  const fs::path meta = fs::path(dir) / "batches.meta.txt";
  std::error_code error;
  const std::optional<std::vector<std::string>> class_names =
      fs::exists(meta, error) ? std::optional(read_meta_names(meta)) : std::nullopt;

  RawSplit raw;
  raw.data.channels = 3;
  raw.data.rows = raw.data.cols = kSide;
  raw.data.name = folder_name(dir);
  for (const fs::path& batch : batches) read_batch(batch, raw, class_names ? &*class_names : nullptr, meta);
  return raw;
}

}  // namespace lenet5
