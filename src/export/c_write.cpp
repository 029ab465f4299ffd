// Writing the C export's two files into a folder without ever touching anything else there.
#include <filesystem>
#include <system_error>

#include "io/atomic_file.hpp"
#include "lenet5/error.hpp"
#include "lenet5/export.hpp"

namespace lenet5 {

void write_c_source(const CSource& source, const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(folder, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) throw Error(folder + ": exists and is not a folder");
    // Our own two files (an earlier export) are replaced; anything else means the folder is someone's.
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
      const std::string name = entry.path().filename().string();
      if (name != source.header_name && name != source.source_name)
        throw Error(folder + ": the folder already holds other files (" + name +
                    "); nothing was written: give a new or empty folder, or one holding only an earlier export");
    }
    if (error) throw Error(folder + ": cannot read the folder: " + error.message());
  } else if (!fs::create_directories(folder, error) && error) {
    throw Error(folder + ": cannot create the folder: " + error.message());
  }
  const auto bytes = [](const std::string& text) {
    return std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  };
  write_file_atomically((fs::path(folder) / source.header_name).string(), bytes(source.header));
  write_file_atomically((fs::path(folder) / source.source_name).string(), bytes(source.source));
}

}  // namespace lenet5
