#pragma once
// Labelled grey images as stored in IDX files: bytes, 0 = background, 255 = ink. Held once, as bytes;
// batches are converted to floats on the fly (never the whole dataset as floats).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lenet5/error.hpp"

namespace lenet5 {

struct Dataset {
  std::size_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> images;  // count × rows × cols, row-major
  std::vector<std::uint8_t> labels;  // count, each 0–9

  std::span<const std::uint8_t> image(std::size_t index) const {
    const std::size_t size = static_cast<std::size_t>(rows) * cols;
    return {images.data() + index * size, size};
  }
  // The first `n` examples (all of them when n ≥ count).
  Dataset head(std::size_t n) const { return slice(0, n); }
  // Examples [first, first + n), clipped to the dataset.
  Dataset slice(std::size_t first, std::size_t n) const;
  // Throws lenet5::Error unless the buffers hold count images of rows × cols and count labels.
  void check_consistent(const std::string& what) const;
};

// An IDX array of unsigned bytes (type code 0x08), validated against the file's length.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

// Reads a whole file, inflating it when it is gzip-compressed (detected by its magic bytes, not its name).
std::vector<std::uint8_t> read_file_maybe_gzip(const std::string& path);

// Parses an unsigned-byte IDX file (plain or gzip). Throws lenet5::Error naming the file on any defect.
IdxArray read_idx(const std::string& path);

// Images (3-dimensional IDX) and labels (1-dimensional IDX) that must agree in count; labels must be 0–9.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path);

enum class Split { train, test };

// What load_mnist throws when the folder lacks a split's files: a front end can catch it to say how to get them.
class DataNotFound : public Error {
 public:
  using Error::Error;
};

// Finds `<prefix>-images-idx3-ubyte` / `-labels-idx1-ubyte` (prefix "train" or "t10k") in `dir`, accepting
// `.idx3-ubyte` spellings and `.gz` suffixes, and loads them. Throws DataNotFound, naming what it looked for,
// when they are missing.
Dataset load_mnist(const std::string& dir, Split split);

// The data folder to use: `flag` when given, else $LENET5_DATA, else "data/mnist".
std::string resolve_data_dir(const std::optional<std::string>& flag);

}  // namespace lenet5
