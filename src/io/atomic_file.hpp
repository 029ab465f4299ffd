#pragma once
// Whole-file reads, and writes that a crash or a full disk can never leave half done.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lenet5 {

// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over `path`, so
// `path` holds either its old contents or all of the new ones. On failure the temporary file is removed,
// `path` is untouched, and lenet5::Error names the path and the system's reason.
void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes);

// The whole file, read to its end (it may be a pipe), but never more than `max_bytes`: throws
// lenet5::Error("<path>: cannot open: <reason>"), "<path>: cannot read: …" or "<path>: file is larger
// than the … limit".
std::vector<std::uint8_t> read_whole_file(const std::string& path, std::size_t max_bytes);

}  // namespace lenet5
