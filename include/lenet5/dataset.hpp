#pragma once
// Labelled images (grey, as in IDX files, or colour) as bytes, 0 = background / dark, 255 = ink / bright.
// Held once, as bytes; batches are converted to floats on the fly (never the whole dataset as floats).
// lenet5/data_formats.hpp reads them from IDX files, image folders, CSV and CIFAR-10's binary format.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lenet5/error.hpp"
#include "lenet5/network_spec.hpp"

namespace lenet5 {

// "0" to "9": the classes of a digit dataset such as MNIST, and of a model file that names none.
std::vector<std::string> digit_class_names();

// At most this many classes: labels are bytes.
inline constexpr std::size_t kMaxClasses = 256;

struct Dataset {
  std::size_t count = 0;
  int channels = 1;  // 1 grey, 3 colour (R, G, B)
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> images;  // count × channels × rows × cols: each image its planes, each row-major
  // count class indices, each below classes.size(); empty for unlabelled images (Kaggle's test.csv), which
  // can be classified but not trained or evaluated on.
  std::vector<std::uint8_t> labels;
  std::vector<std::string> classes = digit_class_names();  // the name of each class, by index
  std::string name;  // where it came from, e.g. the data folder's name (stored in models trained on it)

  std::size_t image_size() const { return static_cast<std::size_t>(channels) * rows * cols; }
  std::span<const std::uint8_t> image(std::size_t index) const {
    return {images.data() + index * image_size(), image_size()};
  }
  // The first `n` examples (all of them when n ≥ count).
  Dataset head(std::size_t n) const { return slice(0, n); }
  // Examples [first, first + n), clipped to the dataset.
  Dataset slice(std::size_t first, std::size_t n) const;
  // Throws lenet5::Error unless the buffers hold count images of channels × rows × cols.
  void check_images(const std::string& what) const;
  // check_images, and count labels, each below classes.size(): unlabelled images are an error saying so.
  void check_consistent(const std::string& what) const;
};

// Each channel's mean and standard deviation on [0, 1] over every pixel of every image (the images' own
// pixels, not the padding the network adds), accumulated in double.
struct ChannelStatistics {
  double mean = 0.0;
  double deviation = 0.0;
};
std::vector<ChannelStatistics> channel_statistics(const Dataset& data);
// The input scaling that standardises each channel of `data` to mean 0 and deviation 1 (the modern preset's),
// from its mean and deviation rounded to 4 decimals: MNIST's give exactly the constants 0.1307 and 0.3081
// (background −0.424, foreground 2.821). A constant channel keeps deviation 1.
std::vector<InputScaling> standardizing_scaling(const Dataset& data);

// An IDX array of unsigned bytes (type code 0x08), validated against the file's length.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

// Reads a whole file, inflating it when it is gzip-compressed (detected by its magic bytes, not its name).
std::vector<std::uint8_t> read_file_maybe_gzip(const std::string& path);

// Parses an unsigned-byte IDX file (plain or gzip). Throws lenet5::Error naming the file on any defect.
IdxArray read_idx(const std::string& path);

// Images (3-dimensional IDX, count × rows × cols) and labels (1-dimensional IDX) that must agree in count.
// The classes are the label values 0 to the largest one, named by their value.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path);

enum class Split { train, test };

// What load_mnist throws when the folder lacks a split's files: a front end can catch it to say how to get them.
class DataNotFound : public Error {
 public:
  using Error::Error;
};

// What a loader throws when a split holds a class that the classes it must match (the training split's, a
// model's) lack: a front end can catch it to suggest naming the labels.
class UnknownClass : public Error {
 public:
  using Error::Error;
};

// Finds `<prefix>-images-idx3-ubyte` / `-labels-idx1-ubyte` (prefix "train" or "t10k") in `dir`, accepting
// `.idx3-ubyte` spellings and `.gz` suffixes, and loads them as digits: labels 0–9, classes "0" to "9".
// Throws DataNotFound, naming what it looked for, when they are missing.
Dataset load_mnist(const std::string& dir, Split split);

// The data folder to use: `flag` when given, else $LENET5_DATA, else "data/mnist".
std::string resolve_data_dir(const std::optional<std::string>& flag);

}  // namespace lenet5
