#pragma once
// One split as a format reads it, before its labels become class indices, and the step that makes them so.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lenet5/data_formats.hpp"
#include "lenet5/dataset.hpp"

namespace lenet5 {

// `data.labels` hold the format's label codes (IDX and CSV: the label value; image folders: the folder's
// place in sorted order; CIFAR: the label byte); `names` names every code that occurs. Classes sort by code.
struct RawSplit {
  Dataset data;
  std::map<int, std::string> names;
};

// The dataset with class indices: with `classes` null, the classes are the codes that occur, in code order;
// otherwise each code's name must be one of `classes` (error naming `source` and the name otherwise).
Dataset assign_classes(RawSplit raw, const std::vector<std::string>* classes, const std::string& source);

// Names code k `names[k]` in place of the format's name (DataOptions::class_names); an error naming
// `source` when a code has none.
void rename_codes(RawSplit& raw, const std::vector<std::string>& names, const std::string& source);

// IDX: `<prefix>-images-idx3-ubyte` and `-labels-idx1-ubyte` (MNIST's spellings, also EMNIST's
// `emnist-letters-train-images-idx3-ubyte`), classes named by a `*mapping.txt` when the folder has one.
RawSplit read_idx_split(const std::string& dir, Split split, bool transpose);

// CSV: the folder's one `*train*.csv` or `*test*.csv` in Kaggle's layout (lenet5/data_formats.hpp's
// read_csv_images). A file without a label column (Kaggle's test.csv) is DataNotFound for the test split,
// an error for the training split.
RawSplit read_csv_split(const std::string& dir, Split split);

// Image folders: `dir/train/<class>/…` and `dir/test/<class>/…` (src/image/folder_dataset.cpp says how
// images of mixed channels and sizes become one split). In lenet5_image: it needs the decoders.
RawSplit read_folder_split(const std::string& dir, Split split, const DataOptions& options);

// CIFAR-10's binary batches: `data_batch_<n>.bin` (train), `test_batch.bin` (test), `batches.meta.txt`.
RawSplit read_cifar10_split(const std::string& dir, Split split);

// The data folder's own name, for Dataset::name ("data/cifar/" and "." name their folder too).
inline std::string folder_name(const std::string& dir) {
  std::error_code error;
  std::filesystem::path path = std::filesystem::absolute(dir, error);
  path = (error ? std::filesystem::path(dir) : path).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  return path.filename().string();
}

}  // namespace lenet5
