// libFuzzer harness for the network description parser (include/lenet5/network_spec.hpp).
// Only lenet5::Error is an accepted outcome for bad input; anything else escapes to the fuzzer. A description
// that parses must also survive the documented round trip parse(to_text(s)) == s.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lenet5/error.hpp"
#include "lenet5/network_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lenet5::NetworkSpec spec;
  try {
    spec = lenet5::parse_network_spec(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const lenet5::Error&) {
    return 0;
  }
  const std::string text = lenet5::to_text(spec);
  try {
    if (lenet5::parse_network_spec(text) == spec) return 0;
    std::fprintf(stderr, "to_text of a parsed spec reads back differently:\n%s", text.c_str());
  } catch (const lenet5::Error& error) {
    std::fprintf(stderr, "to_text of a parsed spec does not parse: %s\n%s", error.what(), text.c_str());
  }
  std::abort();
}
