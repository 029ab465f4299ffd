#pragma once
// Datasets in the formats people have them in (docs/datasets.md): MNIST-style IDX files, image folders
// (torchvision's ImageFolder layout), Kaggle-style CSV and CIFAR-10's binary batches. Part of the
// lenet5_image library (lenet5::image where installed), since image folders need its decoders.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lenet5/dataset.hpp"

namespace lenet5 {

enum class DataFormat { idx, folder, csv, cifar10 };
std::optional<DataFormat> parse_data_format(const std::string& name);  // "idx", "folder", "csv", "cifar10"
std::string to_string(DataFormat format);

struct DataOptions {
  std::optional<DataFormat> format;  // empty: recognised from the folder's contents (detect_data_format)
  bool transpose = false;            // IDX: each image is stored transposed (EMNIST's files)
  // Names for label values 0, 1, … (IDX, CSV, CIFAR-10; image folders are named by their folders), in
  // place of the format's own (the value, a mapping file, batches.meta.txt); empty: the format's.
  std::vector<std::string> class_names;
  int threads = 0;                   // decoding image folders (0 = all cores)
  // Called now and then while an image folder decodes: files done, files in all.
  std::function<void(std::size_t done, std::size_t total)> on_progress;
  // Called once per rule applied while loading (images resized, grey turned colour, …) with one line saying so.
  std::function<void(const std::string& message)> on_notice;
};

// What `dir` holds: IDX files (`*-images-idx3-ubyte*`), CIFAR-10 batches (`data_batch_*.bin`), CSV files
// (`*.csv`) or class folders (`train/`). Throws DataNotFound saying what it looked for.
DataFormat detect_data_format(const std::string& dir);

// A class-names file: one name per line (UTF-8; a final line feed optional, a carriage return before it
// dropped), line k naming label value k. Throws lenet5::Error naming the file when it cannot be read, is
// empty or has more than 256 names.
std::vector<std::string> read_class_names(const std::string& path);

// One split of the dataset in `dir`. The classes are the training split's distinct labels, in sorted order
// (label values for IDX and CSV, folder names for image folders, CIFAR's label bytes), named by the format
// (the value, a mapping file such as EMNIST's `*-mapping.txt`, the folder name, `batches.meta.txt`).
// Images larger than LeNet-5's 32×32 input are shrunk to fit it (area averaging, aspect ratio kept; said
// through options.on_notice). With `classes` given (the training split's, or a model's), the labels are
// matched to those names instead, and a label that is not among them is an error naming it (UnknownClass).
// Throws DataNotFound when the split's files are missing and lenet5::Error, naming the file (and line), for
// anything wrong in them.
Dataset load_dataset(const std::string& dir, Split split, const DataOptions& options = {},
                     const std::vector<std::string>* classes = nullptr);

// One CSV file in Kaggle's layout: a header row, then per image its label and its n×n grey pixels
// row-major (n up to 256; larger than 32 shrunk to fit 32×32 as load_dataset does), each an integer 0–255.
// A file whose rows are the pixels alone (n×n fields, as Kaggle's test.csv) is unlabelled: `labels` and
// `classes` are then empty, which predicting accepts and training and evaluating refuse. Otherwise the
// classes are as load_dataset's: the label values in order, named by `label_names` where given (as
// DataOptions::class_names), or matched to `classes` by name (UnknownClass otherwise). Throws lenet5::Error
// naming the file and line for anything wrong in it.
Dataset read_csv_images(const std::string& path, const std::vector<std::string>* classes = nullptr,
                        const std::vector<std::string>& label_names = {});

// Kaggle's submission file: the header "ImageId,Label", then "1,<class name>", "2,…", one line per
// prediction (class indices into `classes`), in order; a name holding a comma or a quote is quoted. Written
// atomically (a temporary file renamed over `path`); throws lenet5::Error naming the path.
void write_csv_submission(const std::string& path, const std::vector<int>& predictions,
                          const std::vector<std::string>& classes);

}  // namespace lenet5
