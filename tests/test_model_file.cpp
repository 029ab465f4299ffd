// The model file (docs/model-format.md): exact layout, bit-exact round trips, and a specific error for
// every kind of damage.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "io/atomic_file.hpp"
#include "io/file_bytes.hpp"
#include "test_util.hpp"
#include "lenet5/error.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"

namespace lenet5 {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// 1×6×6 → C1 (2 maps, 3×3) → S2 → OUT (3 classes): a model small enough to damage at every byte.
NetworkSpec tiny_spec() {
  NetworkSpec spec;
  spec.preset = "tiny";
  spec.input = {1, 6, 6};
  spec.scaling = {InputScaling{-0.5f, 1.5f}};
  spec.layers = {
      {"C1", ConvSpec{.out_channels = 2, .kernel = 3, .connections = {}, .activation = Activation::relu}},
      {"S2", SubsampleSpec{.pooling = Pooling::average, .activation = {}}},
      {"OUT", DenseSpec{.out_features = 3, .activation = {}}},
  };
  return spec;
}

std::size_t parameter_count(const NetworkSpec& spec) {
  std::size_t count = 0;
  for (const LayerSummary& layer : summarize(spec)) count += layer.parameters;
  return count;
}

// Deterministic parameters that include the values hardest to carry bit-exactly.
Model model_for(const NetworkSpec& spec) {
  Model model;
  model.spec = spec;
  model.parameters.resize(parameter_count(spec));
  model.image_shape = {spec.input.channels, spec.input.height - 1, spec.input.width};
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  for (float& parameter : model.parameters) parameter = normal(rng);
  model.parameters[0] = -0.0f;
  model.parameters[1] = std::numeric_limits<float>::denorm_min();
  model.parameters[2] = -std::numeric_limits<float>::max();
  return model;
}

// An independent encoder written from docs/model-format.md, so tests can build files that are wrong in
// exactly one way.
struct FileParts {
  std::uint32_t version = 3;
  std::string description;
  std::uint64_t parameter_count = 0;
  std::vector<float> parameters;
  std::uint32_t preparation = 0;  // from version 2 on, after the version
  std::string labels = "dataset \nimages 1 5 6\n";  // from version 3 on, after the description
};

template <typename Unsigned>
void append_le(std::vector<std::uint8_t>& out, Unsigned value) {
  for (std::size_t i = 0; i < sizeof value; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void append_crc(std::vector<std::uint8_t>& bytes) {
  append_le(bytes, static_cast<std::uint32_t>(crc32(0, bytes.data(), static_cast<uInt>(bytes.size()))));
}

std::vector<std::uint8_t> encode(const FileParts& parts) {
  std::vector<std::uint8_t> bytes{'L', 'E', 'N', 'E', 'T', '5', 0x1A, '\n'};
  append_le(bytes, parts.version);
  if (parts.version >= 2) append_le(bytes, parts.preparation);
  append_le(bytes, static_cast<std::uint32_t>(parts.description.size()));
  bytes.insert(bytes.end(), parts.description.begin(), parts.description.end());
  if (parts.version >= 3) {
    append_le(bytes, static_cast<std::uint32_t>(parts.labels.size()));
    bytes.insert(bytes.end(), parts.labels.begin(), parts.labels.end());
  }
  append_le(bytes, parts.parameter_count);
  for (const float parameter : parts.parameters) append_le(bytes, std::bit_cast<std::uint32_t>(parameter));
  append_crc(bytes);
  return bytes;
}

FileParts parts_of(const Model& model) {
  const Shape& image = model.image_shape;
  std::string labels = "dataset " + model.dataset + "\nimages " + std::to_string(image.channels) + " " +
                       std::to_string(image.height) + " " + std::to_string(image.width) + "\n";
  for (const std::string& name : model.classes) labels += "class " + name + "\n";
  return {3, to_text(model.spec), model.parameters.size(), model.parameters,
          static_cast<std::uint32_t>(model.preparation), labels};
}

using lenet5::testing_util::error_from;

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  return error_from([&] { deserialize_model(bytes, "damaged.model"); });
}

TEST(ModelFile, LayoutMatchesTheDocumentedFormat) {
  Model model = model_for(tiny_spec());
  EXPECT_EQ(serialize_model(model), encode(parts_of(model)));
  model.preparation = InputPreparation::plain;
  const std::vector<std::uint8_t> bytes = serialize_model(model);
  EXPECT_EQ(bytes, encode(parts_of(model)));
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 8, bytes.begin() + 16),
            (std::vector<std::uint8_t>{3, 0, 0, 0, 1, 0, 0, 0}));  // version 3, input preparation 1 (plain)
  model.dataset = "shirts";
  model.classes = {"x", "y", "z"};
  EXPECT_EQ(serialize_model(model), encode(parts_of(model)));
}

// Class names are any UTF-8 and survive the round trip, line breaks and backslashes included (escaped).
TEST(ModelFile, RoundTripKeepsClassNamesAndTheDatasetName) {
  Model model = model_for(tiny_spec());
  model.dataset = "Fashion-MNIST \\ copy";
  for (const auto& names : std::vector<std::vector<std::string>>{{"T-shirt/top", "Ankle boot", "naïve ü 中"},
                                                                {"two\nlines", "back\\slash", ""},
                                                                {" spaced ", "cr\r", "\\n"}}) {
    model.classes = names;
    const std::vector<std::uint8_t> bytes = serialize_model(model);
    const Model loaded = deserialize_model(bytes, "memory");
    EXPECT_EQ(loaded.classes, model.classes);
    EXPECT_EQ(loaded.dataset, model.dataset);
    EXPECT_EQ(class_names(loaded), model.classes);
    EXPECT_EQ(serialize_model(loaded), bytes);
  }
  model.classes = {"two\nlines", "back\\slash", ""};
  const std::vector<std::uint8_t> bytes = serialize_model(model);
  EXPECT_THAT(std::string(bytes.begin(), bytes.end()), HasSubstr("class two\\nlines\nclass back\\\\slash\nclass \n"));
  // Unnamed classes read as their index.
  EXPECT_EQ(class_names(model_for(tiny_spec())), (std::vector<std::string>{"0", "1", "2"}));
}

TEST(ModelFile, RejectsClassNamesThatDoNotFitTheOutputs) {
  Model model = model_for(tiny_spec());
  model.classes = {"a", "b"};
  EXPECT_EQ(error_from([&] { serialize_model(model); }), "cannot save model: it names 2 classes but has 3 outputs");
  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.labels = "dataset d\nimages 1 6 6\nclass a\nclass b\n";
  EXPECT_EQ(error_of(encode(parts)), "damaged.model: it names 2 classes but the network has 3 outputs");
  parts.labels = "dataset d\nclass a\n";
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("unexpected line 2"));
  parts.labels = "dataset d\n";
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("lacks its 'dataset' and 'images' lines"));
  parts.labels = "dataset d\nimages 1 6 6";
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("does not end with a line feed"));
  parts.labels = "dataset d\\x\nimages 1 6 6\n";
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("bad escape"));
  for (const char* images : {"images 1 7 6\n", "images 3 6 6\n", "images 1 0 6\n", "images 1 6\n", "images 1 6 6 x\n"}) {
    parts.labels = std::string("dataset d\n") + images;
    EXPECT_THAT(error_of(encode(parts)), HasSubstr("images")) << images;
  }
}

TEST(ModelFile, RoundTripKeepsTheInputPreparation) {
  for (const InputPreparation preparation : {InputPreparation::digit, InputPreparation::plain}) {
    Model model = model_for(tiny_spec());
    model.preparation = preparation;
    const std::vector<std::uint8_t> bytes = serialize_model(model);
    const Model loaded = deserialize_model(bytes, "memory");
    EXPECT_EQ(loaded.preparation, preparation) << to_string(preparation);
    EXPECT_EQ(serialize_model(loaded), bytes);
  }
}

// Version 1 files (the shipped classic model among them) have no input preparation: they are digit models,
// and saving one writes version 3.
TEST(ModelFile, VersionOneFilesLoadAsDigitModels) {
  Model model = model_for(tiny_spec());
  model.image_shape = lenet5::default_image_shape(model.spec);  // what a file without an image shape means
  FileParts parts = parts_of(model);
  parts.version = 1;
  parts.preparation = 1;  // not written in version 1
  const Model loaded = deserialize_model(encode(parts), "old.model");
  EXPECT_EQ(loaded.spec, model.spec);
  EXPECT_EQ(loaded.parameters, model.parameters);
  EXPECT_EQ(loaded.preparation, InputPreparation::digit);
  EXPECT_EQ(serialize_model(loaded), serialize_model(model));

  // The shipped models (the classic one of version 1, before models recorded their preparation) are digit
  // models.
  for (const std::string name : {"lenet5-modern.model", "lenet5-classic.model"}) {
    const Model shipped = load_model(std::string(LENET5_SOURCE_DIR) + "/models/" + name);
    EXPECT_EQ(shipped.preparation, InputPreparation::digit) << name;
    EXPECT_EQ(shipped.parameters.size(), parameter_count(shipped.spec)) << name;
  }
}

TEST(ModelFile, RejectsAnUnknownInputPreparation) {
  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.preparation = 2;
  EXPECT_EQ(error_of(encode(parts)), "damaged.model: input preparation 2 is unknown (0 is digit, 1 plain)");
}

TEST(ModelFile, RoundTripIsBitExact) {
  for (const NetworkSpec& spec : {tiny_spec(), modern_preset()}) {
    const Model model = model_for(spec);
    const std::vector<std::uint8_t> bytes = serialize_model(model);
    const Model loaded = deserialize_model(bytes, "memory");
    EXPECT_EQ(loaded.spec, model.spec);
    ASSERT_EQ(loaded.parameters.size(), model.parameters.size());
    EXPECT_EQ(std::memcmp(loaded.parameters.data(), model.parameters.data(), 4 * model.parameters.size()), 0);
    EXPECT_TRUE(std::signbit(loaded.parameters[0]));
    EXPECT_EQ(serialize_model(loaded), bytes);
  }
}

TEST(ModelFile, TruncatedFilesSayTruncated) {
  const std::vector<std::uint8_t> bytes = serialize_model(model_for(tiny_spec()));
  const std::size_t description_end = 20 + to_text(tiny_spec()).size();
  for (const std::size_t length : {std::size_t{0}, std::size_t{5}, std::size_t{11}, std::size_t{15}, std::size_t{19},
                                   description_end - 1, description_end + 3, description_end + 11,
                                   bytes.size() - 5, bytes.size() - 1}) {
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
    EXPECT_THAT(error_of(cut), HasSubstr("damaged.model: truncated")) << "length " << length;
  }
}

TEST(ModelFile, EveryFlippedByteIsAnError) {
  const std::vector<std::uint8_t> bytes = serialize_model(model_for(tiny_spec()));
  for (std::size_t position = 0; position < bytes.size(); ++position) {
    for (const int flip : {0x01, 0x80, 0xFF}) {
      std::vector<std::uint8_t> damaged = bytes;
      damaged[position] ^= static_cast<std::uint8_t>(flip);
      EXPECT_THAT(error_of(damaged), HasSubstr("damaged.model: ")) << "byte " << position << " ^ " << flip;
    }
  }
}

TEST(ModelFile, FlippedBytesInTheRealModelAreErrors) {
  const std::vector<std::uint8_t> bytes = serialize_model(model_for(modern_preset()));
  for (std::size_t position = 0; position < bytes.size(); position += position < 512 ? 1 : 997) {
    std::vector<std::uint8_t> damaged = bytes;
    damaged[position] ^= 0x10;
    EXPECT_THAT(error_of(damaged), HasSubstr("damaged.model: ")) << "byte " << position;
  }
}

TEST(ModelFile, ChecksumCatchesDamageThatKeepsTheLayout) {
  std::vector<std::uint8_t> bytes = serialize_model(model_for(tiny_spec()));
  bytes[bytes.size() - 10] ^= 0x01;  // inside the last parameter
  EXPECT_EQ(error_of(bytes), "damaged.model: checksum mismatch: file is corrupt");
}

TEST(ModelFile, RejectsBadMagic) {
  std::vector<std::uint8_t> bytes = serialize_model(model_for(tiny_spec()));
  bytes[0] = 'X';
  EXPECT_THAT(error_of(bytes), HasSubstr("damaged.model: not a lenet5 model file"));
  EXPECT_THAT(error_of({'P', '5', '\n'}), HasSubstr("not a lenet5 model file"));
}

TEST(ModelFile, RejectsUnknownVersion) {
  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.version = 7;
  EXPECT_THAT(error_of(encode(parts)),
              HasSubstr("damaged.model: format version 7 is not supported (this build reads versions 1 to 3)"));
  parts.version = 4;
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("format version 4 is not supported"));
  parts.version = 0;  // older than any file this project wrote
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("format version 0 is not supported"));
}

TEST(ModelFile, RejectsTrailingBytes) {
  std::vector<std::uint8_t> bytes = serialize_model(model_for(tiny_spec()));
  bytes.push_back(0);
  EXPECT_THAT(error_of(bytes), HasSubstr("damaged.model: 1 trailing bytes after the checksum"));
}

TEST(ModelFile, RejectsAbsurdSizesWithoutAllocatingThem) {
  std::vector<std::uint8_t> bytes = encode({2, "", 0, {}});
  bytes[16] = bytes[17] = bytes[18] = bytes[19] = 0xFF;  // a 4 GiB description
  EXPECT_THAT(error_of(bytes), HasSubstr("network description length 4294967295 bytes is over the 1 MiB limit"));

  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.parameter_count = std::numeric_limits<std::uint64_t>::max();
  EXPECT_THAT(error_of(encode(parts)),
              HasSubstr("truncated (the header promises 18446744073709551615 parameters but the file has room for only"));
}

TEST(ModelFile, RejectsParameterCountThatDoesNotFitTheNetwork) {
  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.parameters.pop_back();
  parts.parameter_count = parts.parameters.size();
  const std::string expected = std::to_string(parts.parameters.size() + 1);
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("damaged.model: the network needs " + expected +
                                                 " parameters but there are " + std::to_string(parts.parameter_count)));
}

TEST(ModelFile, RejectsNonFiniteParameters) {
  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.parameters[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("damaged.model: parameter 5 is NaN"));
  parts.parameters[5] = -std::numeric_limits<float>::infinity();
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("damaged.model: parameter 5 is infinite"));
}

TEST(ModelFile, NetworkDescriptionErrorsNameTheFile) {
  FileParts parts = parts_of(model_for(tiny_spec()));
  parts.description = "not a network\n";
  EXPECT_THAT(error_of(encode(parts)), HasSubstr("damaged.model: network description"));
}

TEST(ModelFile, RefusesToSaveWhatCouldNotBeLoaded) {
  Model model = model_for(tiny_spec());
  model.parameters[3] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(error_from([&] { serialize_model(model); }), HasSubstr("cannot save model: parameter 3 is infinite"));
  model.parameters.pop_back();
  EXPECT_THAT(error_from([&] { serialize_model(model); }), HasSubstr("cannot save model: the network needs"));
}

// A fresh, empty directory that is removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "lenet5-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

TEST(ModelFile, SaveAndLoadThroughAFile) {
  const TempDir dir;
  const Model model = model_for(modern_preset());
  save_model(model, dir.file("lenet5.model"));
  const Model loaded = load_model(dir.file("lenet5.model"));
  EXPECT_EQ(loaded.spec, model.spec);
  EXPECT_EQ(loaded.parameters, model.parameters);
  EXPECT_EQ(read_whole_file(dir.file("lenet5.model"), std::size_t{1} << 30), serialize_model(model));
}

TEST(ModelFile, SaveReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  const TempDir dir;
  std::ofstream(dir.file("m.model")) << "an older file";
  const Model model = model_for(tiny_spec());
  save_model(model, dir.file("m.model"));
  EXPECT_EQ(load_model(dir.file("m.model")).parameters, model.parameters);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"m.model"});
}

TEST(ModelFile, SaveIntoAMissingDirectoryFailsAndLeavesNothing) {
  const TempDir dir;
  const std::string path = dir.file("missing/m.model");
  const std::string error = error_from([&] { save_model(model_for(tiny_spec()), path); });
  EXPECT_THAT(error, HasSubstr(path + ": cannot write"));
  EXPECT_THAT(error, HasSubstr("No such file or directory"));
  EXPECT_TRUE(dir.entries().empty());
}

TEST(ModelFile, FailedRenameRemovesTheTemporaryFileAndKeepsTheTarget) {
  const TempDir dir;
  fs::create_directory(dir.file("occupied"));
  std::ofstream(dir.file("occupied/keep")) << "keep";
  EXPECT_THAT(error_from([&] { save_model(model_for(tiny_spec()), dir.file("occupied")); }),
              HasSubstr("occupied: cannot write: renaming"));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"occupied"});
  EXPECT_TRUE(fs::exists(dir.file("occupied/keep")));
}

// The checksum is our own CRC-32 (the core needs no zlib): the standard check values, and zlib's crc32 on
// every length from 0 to 40 at every alignment, so both the eight-byte steps and the byte tail are covered.
TEST(ModelFile, ChecksumIsZlibsCrc32) {
  const auto crc_of = [](const std::string& text) {
    return crc32_of(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  };
  EXPECT_EQ(crc_of(""), 0u);
  EXPECT_EQ(crc_of("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc_of("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  std::vector<std::uint8_t> bytes(48);
  std::mt19937 rng(3);
  for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset)
    for (std::size_t length = 0; length <= 40; ++length)
      EXPECT_EQ(crc32_of(bytes.data() + offset, length),
                static_cast<std::uint32_t>(crc32(0, bytes.data() + offset, static_cast<uInt>(length))))
          << "offset " << offset << ", length " << length;
}

TEST(ModelFile, LoadMissingFileSaysCannotOpen) {
  const TempDir dir;
  EXPECT_EQ(error_from([&] { load_model(dir.file("absent.model")); }),
            dir.file("absent.model") + ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace lenet5
