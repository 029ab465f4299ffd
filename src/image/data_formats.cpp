// Which format a data folder holds, and loading a split of it in any of them.
#include "lenet5/data_formats.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <utility>

#include "data/letterbox.hpp"
#include "data/raw_split.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::pair<DataFormat, const char*>, 4> kFormatNames = {
    {{DataFormat::idx, "idx"}, {DataFormat::folder, "folder"}, {DataFormat::csv, "csv"}, {DataFormat::cifar10, "cifar10"}}};

}  // namespace

std::optional<DataFormat> parse_data_format(const std::string& name) {
  for (const auto& [format, text] : kFormatNames)
    if (name == text) return format;
  return std::nullopt;
}

std::string to_string(DataFormat format) {
  for (const auto& [candidate, text] : kFormatNames)
    if (candidate == format) return text;
  return "?";
}

DataFormat detect_data_format(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw DataNotFound(dir + ": no such folder");
  bool idx = false, cifar = false, csv = false;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    idx = idx || name.find("idx3-ubyte") != std::string::npos;
    cifar = cifar || (name.starts_with("data_batch_") && name.ends_with(".bin")) || name == "test_batch.bin";
    csv = csv || name.ends_with(".csv");
  }
  if (idx) return DataFormat::idx;
  if (cifar) return DataFormat::cifar10;
  if (csv) return DataFormat::csv;
  if (fs::is_directory(fs::path(dir) / "train", error)) return DataFormat::folder;
  throw DataNotFound(dir + ": no dataset found (looked for IDX files *-images-idx3-ubyte[.gz], CIFAR-10 batches "
                     "data_batch_*.bin, CSV files *.csv and class folders train/<class>/)");
}

std::vector<std::string> read_class_names(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read the class names");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    names.push_back(line);
  }
  if (names.empty()) throw Error(path + ": no class names (one per line, label 0 first)");
  if (names.size() > kMaxClasses)
    throw Error(path + ": " + std::to_string(names.size()) + " class names, more than the " +
                std::to_string(kMaxClasses) + " possible");
  return names;
}

Dataset load_dataset(const std::string& dir, Split split, const DataOptions& options,
                     const std::vector<std::string>* classes) {
  const DataFormat format = options.format ? *options.format : detect_data_format(dir);
  if (options.transpose && format != DataFormat::idx) throw Error("--transpose applies to IDX files only");
  if (!options.class_names.empty() && format == DataFormat::folder)
    throw Error(dir + ": image folders are named by their folders; class names cannot be given for them");
  RawSplit raw;
  switch (format) {
    case DataFormat::idx: raw = read_idx_split(dir, split, options.transpose); break;
    case DataFormat::folder: raw = read_folder_split(dir, split, options); break;
    case DataFormat::csv: raw = read_csv_split(dir, split); break;
    case DataFormat::cifar10: raw = read_cifar10_split(dir, split); break;
  }
  if (const std::string said = shrink_to_input(raw.data); !said.empty() && options.on_notice) options.on_notice(said);
  if (!options.class_names.empty()) rename_codes(raw, options.class_names, dir);
  return assign_classes(std::move(raw), classes, dir + (split == Split::train ? " (train)" : " (test)"));
}

}  // namespace lenet5
