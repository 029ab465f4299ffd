#pragma once
// For the path-based parsers: one temporary file per fuzzing process, overwritten with each input. In /dev/shm
// when there is one: truncating a file on a disk (ext4 with discard) costs milliseconds per input.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace lenet5_fuzz {

class TempFile {
 public:
  explicit TempFile(const std::string& tag)
      : path_(std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/lenet5-fuzz-" + tag + "-" +
              std::to_string(::getpid())) {}
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  // Replaces the file's contents; aborts if it cannot (a harness problem, not a finding).
  const std::string& write(const std::uint8_t* data, std::size_t size) const {
    std::FILE* file = std::fopen(path_.c_str(), "wb");
    if (file == nullptr || (size > 0 && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0) {
      std::perror(path_.c_str());
      std::abort();
    }
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace lenet5_fuzz
