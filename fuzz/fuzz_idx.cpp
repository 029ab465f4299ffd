// libFuzzer harness for the IDX reader and the gzip-aware file reader (include/lenet5/dataset.hpp).
// Only lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "temp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const lenet5_fuzz::TempFile file("idx");
  const std::string& path = file.write(data, size);

  try {
    (void)lenet5::read_file_maybe_gzip(path);
  } catch (const lenet5::Error&) {
  }

  try {
    const lenet5::IdxArray array = lenet5::read_idx(path);
    // What the reader promises: the data holds exactly the product of the dimensions.
    std::size_t elements = 1;
    for (const std::uint32_t dim : array.dims) elements *= dim;
    if (array.dims.empty() || elements != array.data.size()) {
      std::fprintf(stderr, "read_idx: %zu dims, product %zu, but %zu data bytes\n", array.dims.size(), elements,
                   array.data.size());
      std::abort();
    }
  } catch (const lenet5::Error&) {
  }
  return 0;
}
