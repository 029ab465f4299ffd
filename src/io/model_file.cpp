// The model file, format version 3; versions 1 and 2 are still read (docs/model-format.md).
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>

#include "core/bit_cast.hpp"
#include "io/atomic_file.hpp"
#include "io/file_bytes.hpp"
#include "lenet5/error.hpp"
#include "lenet5/model.hpp"

namespace lenet5 {
namespace {

constexpr std::uint32_t kFormatVersion = 3;       // the version written
constexpr std::uint32_t kFirstFormatVersion = 1;  // the oldest read: without the input preparation (digit)
constexpr std::uint32_t kFirstVersionWithLabels = 3;  // the class names and the dataset's name
constexpr std::size_t kMaxDescriptionBytes = std::size_t{1} << 20;
constexpr std::size_t kVersionOffset = kModelMagic.size();
constexpr std::size_t kPreparationOffset = kVersionOffset + 4;  // version 2 on
// Where the description length is; the description follows it.
constexpr std::size_t description_length_offset(std::uint32_t version) {
  return version >= 2 ? kPreparationOffset + 4 : kVersionOffset + 4;
}
constexpr std::size_t kCountBytes = 8;
constexpr std::size_t kChecksumBytes = 4;

// summarize() validates the spec, but its messages cannot say which model they are about.
std::size_t parameter_count(const NetworkSpec& spec, const std::string& context) {
  try {
    std::size_t count = 0;
    for (const LayerSummary& layer : summarize(spec)) count += layer.parameters;
    return count;
  } catch (const Error& error) {
    throw Error(context + ": " + error.what());
  }
}

// The same rules hold for a model about to be saved and one just loaded, so a saved file always loads.
// `context` starts each message ("<path>" or "cannot save model").
void check_parameters(const NetworkSpec& spec, const std::vector<float>& parameters, const std::string& context) {
  const std::size_t expected = parameter_count(spec, context);
  if (parameters.size() != expected) {
    throw Error(context + ": the network needs " + std::to_string(expected) + " parameters but there are " +
                std::to_string(parameters.size()));
  }
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!std::isfinite(parameters[i])) {
      throw Error(context + ": parameter " + std::to_string(i) + " is " +
                  (std::isnan(parameters[i]) ? "NaN" : "infinite") + "; a model's parameters must be finite");
    }
  }
}

// The labels block (version 3 on): "dataset NAME", "images C H W" (the training images' shape), then one
// "class NAME" line per class, each name escaped so that it stays on its line (escape_name).
std::string labels_text(const Model& model) {
  std::string text = "dataset " + escape_name(model.dataset) + "\n";
  const Shape& image = model.image_shape;
  text += "images " + std::to_string(image.channels) + " " + std::to_string(image.height) + " " +
          std::to_string(image.width) + "\n";
  for (const std::string& name : model.classes) text += "class " + escape_name(name) + "\n";
  return text;
}

void parse_labels(const std::string& text, Model& model, const std::string& context) {
  std::size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) throw Error(context + ": the labels block does not end with a line feed");
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line_number == 1 && line.starts_with("dataset ")) {
      model.dataset = unescape_name(line.substr(8), context + ": the labels block");
    } else if (line_number == 2 && line.starts_with("images ")) {
      Shape& image = model.image_shape;
      char extra = 0;
      if (std::sscanf(line.c_str() + 7, "%d %d %d%c", &image.channels, &image.height, &image.width, &extra) != 3 ||
          image.channels < 1 || image.height < 1 || image.width < 1)
        throw Error(context + ": the labels block's 'images' line needs three positive sizes");
    } else if (line_number > 2 && line.starts_with("class ")) {
      model.classes.push_back(unescape_name(line.substr(6), context + ": the labels block"));
    } else {
      throw Error(context + ": the labels block has an unexpected line " + std::to_string(line_number) +
                  " (a 'dataset' line, an 'images' line, then 'class' lines)");
    }
  }
  if (line_number < 2) throw Error(context + ": the labels block lacks its 'dataset' and 'images' lines");
  const Shape& image = model.image_shape;
  if (image.channels != model.spec.input.channels || image.height > model.spec.input.height ||
      image.width > model.spec.input.width)
    throw Error(context + ": its images (" + std::to_string(image.channels) + "x" + std::to_string(image.height) +
                "x" + std::to_string(image.width) + ") do not fit the network's input");
}

}  // namespace

std::vector<std::string> class_names(const Model& model) {
  if (!model.classes.empty()) return model.classes;
  std::vector<std::string> names;
  for (int label = 0; label < class_count(model.spec); ++label) names.push_back(std::to_string(label));
  return names;
}

std::vector<std::uint8_t> serialize_model(const Model& model) {
  const std::string description = to_text(model.spec);
  // A file that saves must load: refuse a spec whose text form does not read back as the same spec.
  NetworkSpec read_back;
  try {
    read_back = parse_network_spec(description);
  } catch (const Error& error) {
    throw Error(std::string("cannot save model: ") + error.what());
  }
  if (read_back != model.spec) {
    throw Error("cannot save model: its network description does not read back as the same network");
  }
  check_parameters(model.spec, model.parameters, "cannot save model");
  if (description.size() > kMaxDescriptionBytes) {
    throw Error("cannot save model: its network description is " + std::to_string(description.size()) +
                " bytes, over the format's limit of 1 MiB");
  }
  const Shape& image = model.image_shape;
  if (image.channels != model.spec.input.channels || image.height < 1 || image.width < 1 ||
      image.height > model.spec.input.height || image.width > model.spec.input.width) {
    throw Error("cannot save model: its image shape does not fit the network's input");
  }
  if (!model.classes.empty() && model.classes.size() != std::size_t(class_count(model.spec))) {
    throw Error("cannot save model: it names " + std::to_string(model.classes.size()) + " classes but has " +
                std::to_string(class_count(model.spec)) + " outputs");
  }
  const std::string labels = labels_text(model);
  if (labels.size() > kMaxDescriptionBytes) {
    throw Error("cannot save model: its class names take " + std::to_string(labels.size()) +
                " bytes, over the format's limit of 1 MiB");
  }

  std::vector<std::uint8_t> bytes(kModelMagic.begin(), kModelMagic.end());
  bytes.reserve(description_length_offset(kFormatVersion) + 8 + description.size() + labels.size() + kCountBytes +
                4 * model.parameters.size() + kChecksumBytes);
  put_le<std::uint32_t>(bytes, kFormatVersion);
  put_le<std::uint32_t>(bytes, static_cast<std::uint32_t>(model.preparation));
  put_le<std::uint32_t>(bytes, static_cast<std::uint32_t>(description.size()));
  bytes.insert(bytes.end(), description.begin(), description.end());
  put_le<std::uint32_t>(bytes, static_cast<std::uint32_t>(labels.size()));
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  put_le<std::uint64_t>(bytes, model.parameters.size());
  for (const float parameter : model.parameters) put_le<std::uint32_t>(bytes, bit_cast<std::uint32_t>(parameter));
  put_le<std::uint32_t>(bytes, crc32_of(bytes.data(), bytes.size()));
  return bytes;
}

// Every size the file claims is checked against the real length before anything is read or allocated
// from it, and the length checks come before the checksum so a cut-off file is reported as such.
Model deserialize_model(const std::vector<std::uint8_t>& bytes, const std::string& source_name) {
  const auto fail = [&](const std::string& what) { throw Error(source_name + ": " + what); };
  const std::size_t size = bytes.size();

  // A short file that does not even start like a model file is reported as the wrong kind of file.
  if (!std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(size, kModelMagic.size())),
                  kModelMagic.begin())) {
    fail("not a lenet5 model file (it does not start with the LENET5 magic bytes)");
  }
  const auto truncated_header = [&](std::size_t header_bytes) {
    fail("truncated (the file has " + std::to_string(size) + " bytes; the header alone is " +
         std::to_string(header_bytes) + ")");
  };
  if (size < kVersionOffset + 4) truncated_header(kVersionOffset + 4);
  const auto version = get_le<std::uint32_t>(&bytes[kVersionOffset]);
  if (version < kFirstFormatVersion || version > kFormatVersion) {
    fail("format version " + std::to_string(version) + " is not supported (this build reads versions " +
         std::to_string(kFirstFormatVersion) + " to " + std::to_string(kFormatVersion) + ")");
  }
  const std::size_t header_bytes = description_length_offset(version) + 4;
  if (size < header_bytes) truncated_header(header_bytes);

  const std::size_t description_bytes = get_le<std::uint32_t>(&bytes[description_length_offset(version)]);
  if (description_bytes > kMaxDescriptionBytes) {
    fail("network description length " + std::to_string(description_bytes) + " bytes is over the 1 MiB limit");
  }
  const std::size_t labels_offset = header_bytes + description_bytes;
  const std::size_t labels_field = version >= kFirstVersionWithLabels ? 4 : 0;
  if (size < labels_offset + labels_field + kCountBytes + kChecksumBytes) {
    fail("truncated (the header promises a " + std::to_string(description_bytes) +
         "-byte network description, a parameter count and a checksum, but the file has only " +
         std::to_string(size) + " bytes)");
  }
  const std::size_t labels_bytes = labels_field ? get_le<std::uint32_t>(&bytes[labels_offset]) : 0;
  if (labels_bytes > kMaxDescriptionBytes) {
    fail("class names block length " + std::to_string(labels_bytes) + " bytes is over the 1 MiB limit");
  }
  const std::size_t count_offset = labels_offset + labels_field + labels_bytes;
  if (size < count_offset + kCountBytes + kChecksumBytes) {
    fail("truncated (the header promises a " + std::to_string(labels_bytes) +
         "-byte block of class names, a parameter count and a checksum, but the file has only " +
         std::to_string(size) + " bytes)");
  }

  const auto claimed_parameters = get_le<std::uint64_t>(&bytes[count_offset]);
  const std::size_t parameters_offset = count_offset + kCountBytes;
  const std::size_t room_for_parameters = (size - parameters_offset - kChecksumBytes) / 4;
  if (claimed_parameters > room_for_parameters) {
    fail("truncated (the header promises " + std::to_string(claimed_parameters) +
         " parameters but the file has room for only " + std::to_string(room_for_parameters) + ")");
  }
  const auto parameter_total = static_cast<std::size_t>(claimed_parameters);
  const std::size_t expected_size = parameters_offset + 4 * parameter_total + kChecksumBytes;
  if (size != expected_size) {
    fail(std::to_string(size - expected_size) + " trailing bytes after the checksum (the header promises a " +
         std::to_string(expected_size) + "-byte file)");
  }

  const std::size_t checksum_offset = size - kChecksumBytes;
  if (get_le<std::uint32_t>(&bytes[checksum_offset]) != crc32_of(bytes.data(), checksum_offset)) {
    fail("checksum mismatch: file is corrupt");
  }

  Model model;
  if (version >= 2) {
    const auto preparation = get_le<std::uint32_t>(&bytes[kPreparationOffset]);
    if (preparation > static_cast<std::uint32_t>(InputPreparation::plain))
      fail("input preparation " + std::to_string(preparation) + " is unknown (0 is digit, 1 plain)");
    model.preparation = static_cast<InputPreparation>(preparation);
  }
  try {
    model.spec = parse_network_spec(
        std::string(reinterpret_cast<const char*>(&bytes[header_bytes]), description_bytes));
  } catch (const Error& error) {
    fail(error.what());  // the parser does not know where the text came from
  }
  if (labels_field) {
    parse_labels(std::string(reinterpret_cast<const char*>(&bytes[labels_offset + 4]), labels_bytes), model,
                 source_name);
    if (!model.classes.empty() && model.classes.size() != std::size_t(class_count(model.spec)))
      fail("it names " + std::to_string(model.classes.size()) + " classes but the network has " +
           std::to_string(class_count(model.spec)) + " outputs");
  }
  if (!labels_field) model.image_shape = default_image_shape(model.spec);
  model.parameters.resize(parameter_total);
  for (std::size_t i = 0; i < parameter_total; ++i) {
    model.parameters[i] = bit_cast<float>(get_le<std::uint32_t>(&bytes[parameters_offset + 4 * i]));
  }
  check_parameters(model.spec, model.parameters, source_name);
  return model;
}

bool is_model_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, kModelMagic.size()> start{};
  return in.read(start.data(), std::streamsize(start.size())) &&
         std::equal(start.begin(), start.end(), kModelMagic.begin(), [](char a, std::uint8_t b) { return std::uint8_t(a) == b; });
}

void save_model(const Model& model, const std::string& path) {
  write_file_atomically(path, serialize_model(model));
}

Model load_model(const std::string& path) {
  // 256 MiB: 64 million parameters, a thousand LeNet-5s; a larger file is not a model this tool wrote.
  return deserialize_model(read_whole_file(path, std::size_t{256} << 20), path);
}

}  // namespace lenet5
