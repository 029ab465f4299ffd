// IDX datasets beyond MNIST (any class count, EMNIST's names and mapping files, transposed images), and the
// step every format shares: label codes to class indices.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "data/raw_split.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

namespace fs = std::filesystem;

// The one file of `dir` whose name holds "<split>-<what>" and "<kind>-ubyte": MNIST's train-images-idx3-ubyte
// (or .idx3-ubyte, .gz), EMNIST's emnist-letters-train-images-idx3-ubyte.gz; the test split is t10k or test.
std::string find_idx_file(const std::string& dir, Split split, const std::string& what, const std::string& kind) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(error) || name.find(kind + "-ubyte") == std::string::npos) continue;
    for (const char* prefix : split == Split::train ? std::vector<const char*>{"train"} : std::vector<const char*>{"t10k", "test"})
      for (const char* separator : {"-", "."})
        if (name.find(std::string(prefix) + "-" + what + separator) != std::string::npos) found.push_back(entry.path().string());
  }
  if (error) throw DataNotFound(dir + ": cannot list the folder: " + error.message());
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  const std::string split_name = split == Split::train ? "train" : "t10k/test";
  if (found.empty())
    throw DataNotFound(dir + ": no IDX " + what + " file of the " + split_name + " split (a name with '" +
                       (split == Split::train ? "train" : "t10k") + "-" + what + "' and '" + kind + "-ubyte')");
  if (found.size() > 1) {
    std::string list;
    for (const auto& path : found) list += (list.empty() ? "" : ", ") + fs::path(path).filename().string();
    throw Error(dir + ": several IDX " + what + " files of the " + split_name + " split (" + list +
                "); keep one dataset per folder");
  }
  return found.front();
}

// A code point as UTF-8.
std::string utf8(std::uint32_t code) {
  std::string out;
  if (code < 0x80) {
    out += char(code);
  } else if (code < 0x800) {
    out += char(0xC0 | (code >> 6));
    out += char(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += char(0xE0 | (code >> 12));
    out += char(0x80 | ((code >> 6) & 0x3F));
    out += char(0x80 | (code & 0x3F));
  } else {
    out += char(0xF0 | (code >> 18));
    out += char(0x80 | ((code >> 12) & 0x3F));
    out += char(0x80 | ((code >> 6) & 0x3F));
    out += char(0x80 | (code & 0x3F));
  }
  return out;
}

// EMNIST's `<name>-mapping.txt`: "label code" per line, the class named by the character with that code
// (letters: "1 65 97" names label 1 "A"; a second code, the lower case, is ignored).
std::map<int, std::string> read_mapping(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read the mapping file");
  std::map<int, std::string> names;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    long label = -1, code = -1;
    if (!(fields >> label >> code) || label < 0 || label > 255 || code < 1 || code > 0x10FFFF || names.count(int(label)))
      throw Error(path + ":" + std::to_string(line_number) +
                  ": expected 'label code' (a label 0–255, seen once, and a Unicode code point)");
    names[int(label)] = utf8(std::uint32_t(code));
  }
  return names;
}

// The mapping file for an images file: `<stem>-mapping.txt` where the images file is `<stem>-train-…`, or
// the folder's only `*mapping.txt`.
std::optional<std::string> find_mapping(const std::string& dir, const std::string& images_path) {
  std::vector<std::string> mappings;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= 11 && name.ends_with("mapping.txt")) mappings.push_back(entry.path().string());
  }
  if (mappings.size() <= 1) return mappings.empty() ? std::nullopt : std::optional(mappings.front());
  const std::string images = fs::path(images_path).filename().string();
  for (const auto& path : mappings) {
    const std::string stem = fs::path(path).filename().string();
    if (images.starts_with(stem.substr(0, stem.size() - std::string("mapping.txt").size()))) return path;
  }
  throw Error(dir + ": several mapping files and none named like " + images);
}

}  // namespace

RawSplit read_idx_split(const std::string& dir, Split split, bool transpose) {
  const std::string images_path = find_idx_file(dir, split, "images", "idx3");
  const std::string labels_path = find_idx_file(dir, split, "labels", "idx1");
  RawSplit raw{load_idx_pair(images_path, labels_path), {}};
  if (transpose) {
    std::vector<std::uint8_t> image(raw.data.image_size());
    for (std::size_t i = 0; i < raw.data.count; ++i) {
      std::uint8_t* pixels = raw.data.images.data() + i * raw.data.image_size();
      for (int y = 0; y < raw.data.rows; ++y)
        for (int x = 0; x < raw.data.cols; ++x) image[std::size_t(x) * raw.data.rows + y] = pixels[std::size_t(y) * raw.data.cols + x];
      std::copy(image.begin(), image.end(), pixels);
    }
    std::swap(raw.data.rows, raw.data.cols);
  }
  const std::optional<std::string> mapping = find_mapping(dir, images_path);
  const std::map<int, std::string> mapped = mapping ? read_mapping(*mapping) : std::map<int, std::string>{};
  for (const std::uint8_t label : raw.data.labels) {
    if (raw.names.count(label)) continue;
    const auto name = mapped.find(label);
    if (mapping && name == mapped.end())
      throw Error(labels_path + ": label " + std::to_string(label) + " is not in " + *mapping);
    raw.names[label] = mapping ? name->second : std::to_string(label);
  }
  raw.data.name = folder_name(dir);
  return raw;
}

void rename_codes(RawSplit& raw, const std::vector<std::string>& names, const std::string& source) {
  for (auto& [code, name] : raw.names) {
    if (code < 0 || std::size_t(code) >= names.size())
      throw Error(source + ": label " + std::to_string(code) + " has no name among the " +
                  std::to_string(names.size()) + " class names given");
    name = names[std::size_t(code)];
  }
}

Dataset assign_classes(RawSplit raw, const std::vector<std::string>* classes, const std::string& source) {
  Dataset& data = raw.data;
  std::vector<std::string> names;
  if (classes) {
    names = *classes;
  } else {
    for (const auto& [code, name] : raw.names) names.push_back(name);
  }
  if (names.size() > kMaxClasses)
    throw Error(source + ": " + std::to_string(names.size()) + " classes, more than the " +
                std::to_string(kMaxClasses) + " possible");
  std::map<int, std::uint8_t> index_of_code;
  for (const auto& [code, name] : raw.names) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end())
      throw UnknownClass(source + ": class '" + name + "' is not among the " + std::to_string(names.size()) +
                  " classes of the training data (" + (names.size() <= 12 ? [&] {
                    std::string list;
                    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
                    return list;
                  }() : std::string("…")) + ")");
    index_of_code[code] = static_cast<std::uint8_t>(found - names.begin());
  }
  for (std::uint8_t& label : data.labels) label = index_of_code.at(label);
  data.classes = std::move(names);
  return std::move(raw.data);
}

}  // namespace lenet5
