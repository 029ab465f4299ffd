// CSV datasets in Kaggle's layout (the Digit Recognizer, Fashion-MNIST's CSV release, Sign Language MNIST):
// a header row, then one image per row, its label first, then its n×n grey pixels row-major, each an
// integer 0–255. The Digit Recognizer's test.csv has no label column. These files are large (Fashion-MNIST's
// training CSV: 60,000 rows, 130 MB), so the rows are parsed straight from the file's bytes. Also Kaggle's
// submission file, the predicted class of each row.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "data/letterbox.hpp"
#include "data/raw_split.hpp"
#include "io/atomic_file.hpp"
#include "lenet5/data_formats.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxSide = 256;  // larger than LeNet-5's input: shrunk to fit it (shrink_to_input)

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

// n where n×n == pixels and 1 ≤ n ≤ kMaxSide, else 0.
int square_side(std::size_t pixels) {
  for (int n = 1; n <= kMaxSide; ++n)
    if (std::size_t(n) * std::size_t(n) == pixels) return n;
  return 0;
}

// A whole CSV file (gzip-compressed or not) and what its header says about the rows.
struct CsvFile {
  std::string path;
  std::vector<std::uint8_t> bytes;
  std::vector<std::string> columns;  // the header's names
  std::size_t body = 0;              // where the first row after the header starts
  int side = 0;                      // each image is side × side
  bool labelled = false;             // each row starts with the label
};

std::vector<std::string> split_header(const std::string& header) {
  std::vector<std::string> columns;
  for (std::size_t start = 0;;) {
    const std::size_t comma = header.find(',', start);
    std::string name = header.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::erase(name, '"');
    columns.push_back(name);
    if (comma == std::string::npos) return columns;
    start = comma + 1;
  }
}

// Reads the file and its header. The field count tells labelled rows (1 + n×n) from bare pixels (n×n, as in
// the Digit Recognizer's test.csv); the first column's name, where it is Kaggle's "label" or "pixel…", must agree.
CsvFile read_header(const std::string& path) {
  CsvFile file{path, read_file_maybe_gzip(path), {}, 0, 0, false};
  const auto* begin = reinterpret_cast<const char*>(file.bytes.data());
  const char* end = begin + file.bytes.size();
  const char* line_end = std::find(begin, end, '\n');
  std::string header(begin, line_end);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  if (header.empty())
    throw Error(path + ":1: " + (file.bytes.empty() ? "empty file" : "no header row") +
                ": expected a header (label,pixel0,pixel1,…), then one row per image");
  file.body = std::size_t(std::min(line_end + 1, end) - begin);
  file.columns = split_header(header);
  const std::size_t fields = file.columns.size();
  const int labelled_side = square_side(fields - 1), bare_side = square_side(fields);
  if (!labelled_side && !bare_side)
    throw Error(path + ":1: the header has " + std::to_string(fields) +
                " columns; expected the label and n×n pixels (785 for 28×28, n up to 256) or the n×n pixels alone");
  file.labelled = labelled_side != 0;
  file.side = file.labelled ? labelled_side : bare_side;
  const std::string first = lowercase(file.columns.front());
  if (file.labelled && first.starts_with("pixel"))
    throw Error(path + ":1: the header's first column is '" + file.columns.front() + "', a pixel, but " +
                std::to_string(fields) + " pixels do not make a square image");
  if (!file.labelled && first == "label")
    throw Error(path + ":1: the header's first column is the label, but the " + std::to_string(fields - 1) +
                " pixels after it do not make a square image");
  return file;
}

[[noreturn]] void throw_field_count(const CsvFile& file, std::size_t line, const char* row, const char* row_end) {
  const std::size_t found = std::size_t(std::count(row, row_end, ',')) + 1;
  const std::string side = std::to_string(file.side);
  throw Error(file.path + ":" + std::to_string(line) + ": " + std::to_string(found) + " fields, expected " +
              std::to_string(file.columns.size()) + " as in the header (" + (file.labelled ? "the label and " : "") +
              side + "×" + side + " pixels)");
}

[[noreturn]] void throw_value(const CsvFile& file, std::size_t line, std::size_t field, const char* start,
                              const char* row_end) {
  const char* field_end = std::find(start, row_end, ',');
  std::string text(start, std::min<std::size_t>(std::size_t(field_end - start), 24));
  if (field_end - start > 24) text += "…";
  const std::string what = file.labelled && field == 0 ? "the label"
                                                       : "column '" + file.columns[field] + "' (field " +
                                                             std::to_string(field + 1) + ")";
  throw Error(file.path + ":" + std::to_string(line) + ": " + what + " is '" + text +
              "', not an integer from 0 to 255");
}

// Every row after the header; the labels are their codes, named by their value.
RawSplit read_rows(const CsvFile& file) {
  const auto* text = reinterpret_cast<const char*>(file.bytes.data());
  const char *p = text + file.body, *end = text + file.bytes.size();
  const std::size_t fields = file.columns.size(), pixels = std::size_t(file.side) * std::size_t(file.side);
  // At most one image per line: sized once, trimmed to the rows read.
  const std::size_t most_rows = std::size_t(std::count(p, end, '\n')) + 1;
  RawSplit raw;
  Dataset& data = raw.data;
  data.channels = 1;
  data.rows = data.cols = file.side;
  data.images.resize(most_rows * pixels);
  if (file.labelled) data.labels.resize(most_rows);
  std::array<bool, 256> seen{};
  std::size_t line = 2;
  for (; p < end; ++line) {
    const char* row = p;
    const auto* newline = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
    const char* row_end = newline ? newline : end;
    const char* next = newline ? newline + 1 : end;
    if (row_end > row && row_end[-1] == '\r') --row_end;
    if (row_end == row) {  // a blank line, usually the last
      p = next;
      continue;
    }
    std::uint8_t* out = data.images.data() + data.count * pixels;
    for (std::size_t field = 0; field < fields; ++field) {
      const char* start = p;
      unsigned value = 0;
      // Capped at 1000 so that any run of digits stays in range of the type and above 255.
      for (; p < row_end && unsigned(*p - '0') < 10; ++p) value = std::min(value * 10 + unsigned(*p - '0'), 1000u);
      if (p == start || value > 255 || (p < row_end && *p != ',')) throw_value(file, line, field, start, row_end);
      if (field + 1 < fields) {
        if (p == row_end) throw_field_count(file, line, row, row_end);
        ++p;
      }
      if (file.labelled && field == 0) {
        data.labels[data.count] = std::uint8_t(value);
        seen[value] = true;
      } else {
        *out++ = std::uint8_t(value);
      }
    }
    if (p != row_end) throw_field_count(file, line, row, row_end);
    ++data.count;
    p = next;
  }
  if (data.count == 0)
    throw Error(file.path + ":" + std::to_string(line) + ": no images after the header (one row per image)");
  data.images.resize(data.count * pixels);
  if (file.labelled) data.labels.resize(data.count);
  for (int code = 0; code < 256; ++code)
    if (seen[code]) raw.names[code] = std::to_string(code);
  return raw;
}

// The folder's one CSV file of the split: `*train*.csv` or `*test*.csv`, in any case.
std::string find_csv_file(const std::string& dir, Split split) {
  const std::string part = split == Split::train ? "train" : "test";
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = lowercase(entry.path().filename().string());
    if (entry.is_regular_file(error) && name.ends_with(".csv") && name.find(part) != std::string::npos)
      found.push_back(entry.path().string());
  }
  if (error) throw DataNotFound(dir + ": cannot list the folder: " + error.message());
  if (found.empty()) throw DataNotFound(dir + ": no CSV file of the " + part + " split (a name with '" + part + "' ending .csv)");
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    std::string list;
    for (const auto& path : found) list += (list.empty() ? "" : ", ") + fs::path(path).filename().string();
    throw Error(dir + ": several CSV files of the " + part + " split (" + list + "); keep one per split");
  }
  return found.front();
}

// A CSV field as RFC 4180 writes it: quoted, its quotes doubled, where it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

RawSplit read_csv_split(const std::string& dir, Split split) {
  const std::string path = find_csv_file(dir, split);
  const CsvFile file = read_header(path);
  if (!file.labelled && split == Split::test)
    throw DataNotFound(path + ": has no labels (Kaggle's test set, the pixels alone), so it is no test split; "
                       "'lenet5 predict --csv " + path + "' classifies it");
  if (!file.labelled)
    throw Error(path + ": has no labels (the pixels alone, no label column): nothing to train on");
  RawSplit raw = read_rows(file);
  raw.data.name = folder_name(dir);
  return raw;
}

Dataset read_csv_images(const std::string& path, const std::vector<std::string>* classes,
                        const std::vector<std::string>& label_names) {
  const CsvFile file = read_header(path);
  RawSplit raw = read_rows(file);
  shrink_to_input(raw.data);  // as load_dataset does, so that a model trained on such files reads this one
  raw.data.name = fs::path(path).stem().string();
  if (!file.labelled) {
    raw.data.classes.clear();
    return std::move(raw.data);
  }
  if (!label_names.empty()) rename_codes(raw, label_names, path);
  return assign_classes(std::move(raw), classes, path);
}

void write_csv_submission(const std::string& path, const std::vector<int>& predictions,
                          const std::vector<std::string>& classes) {
  std::string text = "ImageId,Label\n";
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    if (predictions[i] < 0 || std::size_t(predictions[i]) >= classes.size())
      throw Error(path + ": class " + std::to_string(predictions[i]) + " of image " + std::to_string(i + 1) +
                  " is not one of the " + std::to_string(classes.size()) + " classes");
    text += std::to_string(i + 1) + "," + csv_field(classes[std::size_t(predictions[i])]) + "\n";
  }
  write_file_atomically(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

}  // namespace lenet5
