// IDX files (the MNIST container format, http://yann.lecun.com/exdb/mnist/), plain or gzip-compressed. A
// build without zlib (LENET5_NO_ZLIB: the WebAssembly one, whose browser inflates gzip itself) reads plain
// files only, and says so of a gzip one.
// These bytes come from disk and may be damaged or hostile: every size the file claims is checked against the
// bytes actually present before anything is sized from it, and every defect becomes a lenet5::Error that names
// the file.
#include "lenet5/dataset.hpp"

#ifndef LENET5_NO_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "data/raw_split.hpp"
#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"

namespace lenet5 {
namespace {

// No sane IDX file comes near this (MNIST's largest is 47 MB); the cap stops a gzip bomb or a bogus header
// from exhausting memory, and keeps every size within zlib's 32-bit counters.
constexpr std::size_t kMaxBytes = std::size_t{1} << 30;
constexpr int kMaxImageSide = 1024;

std::string hex_byte(std::uint8_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", value);
  return text;
}

bool has_gzip_magic(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

#ifdef LENET5_NO_ZLIB
std::vector<std::uint8_t> inflate_gzip(const std::string& path, std::span<const std::uint8_t>) {
  throw Error(path + ": gzip-compressed, and this build of lenet5 has no zlib: decompress it first");
}
#else
std::vector<std::uint8_t> inflate_gzip(const std::string& path, std::span<const std::uint8_t> compressed) {
  z_stream stream{};
  // 16 + MAX_WBITS: expect a gzip wrapper (header and CRC-32 trailer), not raw zlib data.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw Error(path + ": cannot start zlib inflate");
  const std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&stream, &inflateEnd);

  // The gzip trailer's size field (ISIZE, the last 4 bytes) is only a hint: mod 2^32, and forgeable. It is
  // trusted for the first allocation only when deflate could really produce that much from this input (at
  // most 1032 bytes per compressed byte), which saves the doubling's transient copies (MNIST's training
  // images: 47 MB instead of a 64 MB buffer plus a 32 MB one). Either way the output grows with what is
  // actually inflated, up to one byte past the cap so that overflowing it can be detected.
  constexpr std::size_t kMaxDeflateRatio = 1032;
  std::size_t initial = std::clamp(compressed.size() * 4, std::size_t{1} << 16, kMaxBytes + 1);
  if (compressed.size() >= 18) {
    const std::uint8_t* trailer = compressed.data() + compressed.size() - 4;
    const std::size_t hint = std::size_t{trailer[0]} | std::size_t{trailer[1]} << 8 | std::size_t{trailer[2]} << 16 |
                             std::size_t{trailer[3]} << 24;
    if (hint > 0 && hint <= kMaxBytes && hint <= compressed.size() * kMaxDeflateRatio) initial = hint + 1;
  }
  std::vector<std::uint8_t> out(initial);
  stream.next_in = const_cast<Bytef*>(compressed.data());  // zlib's API is not const-correct; it only reads.
  stream.avail_in = static_cast<uInt>(compressed.size());    // ≤ kMaxBytes, read_whole_file's limit
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  const auto produced = [&] { return static_cast<std::size_t>(stream.next_out - out.data()); };

  while (true) {
    if (stream.avail_out == 0) {
      if (out.size() > kMaxBytes) throw Error(path + ": gzip data inflates to more than the 1 GiB limit");
      const std::size_t used = produced();
      out.resize(std::min(out.size() * 2, kMaxBytes + 1));
      stream.next_out = out.data() + used;
      stream.avail_out = static_cast<uInt>(out.size() - used);
    }
    const int status = inflate(&stream, Z_NO_FLUSH);
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      // gzip allows several members back to back (as `cat a.gz b.gz` makes); anything else after one is damage.
      if (!has_gzip_magic({stream.next_in, stream.avail_in})) {
        throw Error(path + ": corrupt gzip data: " + std::to_string(stream.avail_in) +
                    " bytes of trailing garbage after the compressed stream");
      }
      inflateReset(&stream);
    } else if (status == Z_BUF_ERROR && stream.avail_out != 0) {
      // No progress possible with output space left: the input ran out before the stream's end.
      throw Error(path + ": corrupt gzip data: truncated (the compressed stream ends early)");
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      throw Error(path + ": corrupt gzip data: " + (stream.msg ? stream.msg : zError(status)));
    }
  }
  out.resize(produced());
  return out;
}
#endif

const char* idx_type_name(std::uint8_t type_code) {
  switch (type_code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown type";
  }
}

std::string join_dims(const std::vector<std::uint32_t>& dims) {
  std::string text;
  for (const std::uint32_t dim : dims) {
    if (!text.empty()) text += 'x';
    text += std::to_string(dim);
  }
  return text;
}

// The first of MNIST's usual spellings that exists in `dir`, e.g. train-images-idx3-ubyte(.gz) or
// train-images.idx3-ubyte(.gz) as some mirrors name them.
std::string find_mnist_file(const std::string& dir, const std::string& stem, const std::string& kind) {
  std::string tried;
  for (const char* separator : {"-", "."}) {
    for (const char* suffix : {"", ".gz"}) {
      const std::string name = stem + separator + kind + "-ubyte" + suffix;
      const std::filesystem::path candidate = std::filesystem::path(dir) / name;
      std::error_code error;
      if (std::filesystem::is_regular_file(candidate, error)) return candidate.string();
      if (!tried.empty()) tried += ", ";
      tried += name;
    }
  }
  throw DataNotFound(dir + ": no MNIST file found (tried " + tried + ")");
}

}  // namespace

std::vector<std::uint8_t> read_file_maybe_gzip(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_whole_file(path, kMaxBytes);
  return has_gzip_magic(bytes) ? inflate_gzip(path, bytes) : bytes;
}

IdxArray read_idx(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_file_maybe_gzip(path);
  // Header: two zero bytes, a type code, the number of dimensions, then each dimension as a big-endian u32.
  if (bytes.size() < 4) {
    throw Error(path + ": not an IDX file: " + std::to_string(bytes.size()) +
                " bytes, shorter than the 4-byte magic number");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw Error(path + ": not an IDX file: magic number starts " + hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) +
                ", expected 0x00 0x00");
  }
  if (bytes[2] != 0x08) {
    throw Error(path + ": IDX type code " + hex_byte(bytes[2]) + " (" + idx_type_name(bytes[2]) +
                ") is not supported, expected 0x08 (unsigned byte)");
  }
  const std::size_t ndim = bytes[3];
  if (ndim < 1 || ndim > 4) {
    throw Error(path + ": IDX header declares " + std::to_string(ndim) + " dimensions, expected 1 to 4");
  }
  const std::size_t header_size = 4 + 4 * ndim;
  if (bytes.size() < header_size) {
    throw Error(path + ": truncated header: " + std::to_string(ndim) + " dimensions need " +
                std::to_string(header_size) + " bytes, file has " + std::to_string(bytes.size()));
  }

  IdxArray array;
  std::uint64_t expected = 1;
  for (std::size_t axis = 0; axis < ndim; ++axis) {
    const std::uint8_t* field = bytes.data() + 4 + 4 * axis;
    array.dims.push_back(std::uint32_t{field[0]} << 24 | std::uint32_t{field[1]} << 16 |
                         std::uint32_t{field[2]} << 8 | std::uint32_t{field[3]});
  }
  for (std::size_t axis = 0; axis < ndim; ++axis) {
    if (array.dims[axis] == 0) throw Error(path + ": dimension " + std::to_string(axis) + " is 0");
    // expected ≤ 2^30 before this step and each dimension < 2^32, so the 64-bit product cannot overflow.
    expected *= array.dims[axis];
    if (expected > kMaxBytes) {
      throw Error(path + ": absurd dimensions " + join_dims(array.dims) + " (more than the 1 GiB limit)");
    }
  }
  const std::size_t actual = bytes.size() - header_size;
  if (actual < expected) {
    throw Error(path + ": truncated: header promises " + std::to_string(expected) + " bytes of data, file has " +
                std::to_string(actual));
  }
  if (actual > expected) {
    throw Error(path + ": " + std::to_string(actual - expected) + " bytes of trailing data after the " +
                std::to_string(expected) + " the header promises");
  }
  // Drop the header in place rather than copying the payload into a second buffer.
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header_size));
  array.data = std::move(bytes);
  return array;
}

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path) {
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3) {
    throw Error(images_path + ": expected images as a 3-dimensional array (count x rows x cols), found " +
                std::to_string(images.dims.size()) + " dimensions");
  }
  if (labels.dims.size() != 1) {
    throw Error(labels_path + ": expected labels as a 1-dimensional array, found " +
                std::to_string(labels.dims.size()) + " dimensions");
  }
  if (images.dims[1] > kMaxImageSide || images.dims[2] > kMaxImageSide) {
    throw Error(images_path + ": images are " + std::to_string(images.dims[1]) + "x" +
                std::to_string(images.dims[2]) + ", larger than the " + std::to_string(kMaxImageSide) + "x" +
                std::to_string(kMaxImageSide) + " limit");
  }
  if (images.dims[0] != labels.dims[0]) {
    throw Error(images_path + " holds " + std::to_string(images.dims[0]) + " images but " + labels_path +
                " holds " + std::to_string(labels.dims[0]) + " labels");
  }
  Dataset dataset;
  dataset.count = images.dims[0];
  dataset.rows = static_cast<int>(images.dims[1]);
  dataset.cols = static_cast<int>(images.dims[2]);
  dataset.images = std::move(images.data);
  dataset.labels = std::move(labels.data);
  const std::uint8_t largest = *std::max_element(dataset.labels.begin(), dataset.labels.end());
  dataset.classes.clear();
  for (int label = 0; label <= largest; ++label) dataset.classes.push_back(std::to_string(label));
  return dataset;
}

Dataset load_mnist(const std::string& dir, Split split) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const std::string images_path = find_mnist_file(dir, prefix + "-images", "idx3");
  const std::string labels_path = find_mnist_file(dir, prefix + "-labels", "idx1");
  Dataset dataset = load_idx_pair(images_path, labels_path);
  const auto bad = std::find_if(dataset.labels.begin(), dataset.labels.end(), [](std::uint8_t label) { return label > 9; });
  if (bad != dataset.labels.end()) {
    throw Error(labels_path + ": label at index " + std::to_string(bad - dataset.labels.begin()) + " is " +
                std::to_string(*bad) + ", expected 0 to 9");
  }
  dataset.classes = digit_class_names();
  dataset.name = folder_name(dir);
  return dataset;
}

std::string resolve_data_dir(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  const char* from_environment = std::getenv("LENET5_DATA");
  if (from_environment != nullptr && *from_environment != '\0') return from_environment;
  return "data/mnist";
}

}  // namespace lenet5
