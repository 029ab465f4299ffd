// Writes the small seed corpora of fuzz/corpus/ (each file well under 2 KB):
//   fuzz_make_corpus <fuzz/corpus folder>
#include <webp/encode.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "image_builders.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/train.hpp"

namespace fs = std::filesystem;
using lenet5::testing_util::Bytes;
namespace builders = lenet5::testing_util::image_builders;

namespace {

void write(const fs::path& path, const Bytes& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

void write(const fs::path& path, const std::string& text) { write(path, Bytes(text.begin(), text.end())); }

// An unsigned-byte IDX array: magic 00 00 08 <rank>, big-endian dimensions, then the bytes.
Bytes idx(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes bytes{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t dim : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(dim >> shift));
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

Bytes gzip(const Bytes& plain) {
  z_stream stream{};
  if (deflateInit2(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  Bytes out(deflateBound(&stream, static_cast<uLong>(plain.size())) + 32);
  stream.next_in = const_cast<Bytef*>(plain.data());
  stream.avail_in = static_cast<uInt>(plain.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

void put_be32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void png_chunk(Bytes& png, const char* type, const Bytes& data) {
  put_be32(png, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  put_be32(png, static_cast<std::uint32_t>(crc32(0, png.data() + start, static_cast<uInt>(png.size() - start))));
}

// A PNG of any colour type and bit depth, which write_png does not make: `scanlines` are the filtered rows
// (a filter byte, 0, before each), `extra` chunks (PLTE, tRNS) go before the image data.
Bytes png(std::uint32_t width, std::uint32_t height, std::uint8_t depth, std::uint8_t colour, std::uint8_t interlace,
          const std::vector<std::pair<const char*, Bytes>>& extra, const Bytes& scanlines) {
  Bytes out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes header;
  put_be32(header, width);
  put_be32(header, height);
  header.insert(header.end(), {depth, colour, 0, 0, interlace});
  png_chunk(out, "IHDR", header);
  for (const auto& [type, data] : extra) png_chunk(out, type, data);
  uLongf size = compressBound(static_cast<uLong>(scanlines.size()));
  Bytes compressed(size);
  if (compress(compressed.data(), &size, scanlines.data(), static_cast<uLong>(scanlines.size())) != Z_OK) std::abort();
  compressed.resize(size);
  png_chunk(out, "IDAT", compressed);
  png_chunk(out, "IEND", {});
  return out;
}

lenet5::NetworkSpec tiny_dense() {
  lenet5::NetworkSpec spec;
  spec.preset = "tiny";
  spec.input = {1, 4, 4};
  spec.layers = {{"F1", lenet5::DenseSpec{2, std::nullopt}}};
  return spec;
}

// Every layer kind but RBF (the classic preset has that and the MAP loss), with a connection table and
// trainable subsampling.
lenet5::NetworkSpec tiny_conv() {
  lenet5::NetworkSpec spec;
  spec.preset = "tinyconv";
  spec.input = {1, 6, 6};
  spec.scaling = {lenet5::InputScaling{-0.1f, 1.175f}};
  spec.layers = {
      {"C1", lenet5::ConvSpec{2, 3, {}, lenet5::Activation::scaled_tanh}},
      {"S2", lenet5::SubsampleSpec{lenet5::Pooling::average, true, lenet5::Activation::logistic}},
      {"C3", lenet5::ConvSpec{3, 1, {{true, false}, {false, true}, {true, true}}, lenet5::Activation::relu}},
      {"S4", lenet5::SubsampleSpec{lenet5::Pooling::max, false, std::nullopt}},
      {"F5", lenet5::DenseSpec{2, std::nullopt}},
  };
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <fuzz/corpus folder>\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  for (const char* folder : {"idx", "model", "checkpoint", "image", "network_spec"})
    fs::create_directories(root / folder);

  // IDX: 3 images of 2x3, their labels, and the images gzip-compressed.
  const Bytes images = idx({3, 2, 3}, {0, 255, 7, 8, 9, 10, 128, 0, 1, 2, 3, 4, 5, 6, 250, 251, 252, 253});
  write(root / "idx/images-idx3", images);
  write(root / "idx/labels-idx1", idx({3}, {0, 9, 4}));
  write(root / "idx/images-idx3.gz", gzip(images));

  // Models: serialized by the library, so they are valid by construction. (The *-v1.model files beside them
  // were written by the format version 1 writer, which no build has any more: seeds of the old layout.)
  write(root / "model/tiny-dense.model", lenet5::serialize_model(lenet5::initialize_model(tiny_dense(), 1)));
  write(root / "model/tiny-conv.model", lenet5::serialize_model(lenet5::initialize_model(tiny_conv(), 2)));
  lenet5::Model plain = lenet5::initialize_model(tiny_conv(), 3);
  plain.preparation = lenet5::InputPreparation::plain;
  write(root / "model/tiny-conv-plain.model", lenet5::serialize_model(plain));

  // Checkpoints of tiny models after epoch 1 of 3: SGD's velocity, Adam's two moments, SDLM's nothing.
  for (const auto& [optimizer, name] : {std::pair{lenet5::OptimizerKind::sgd, "sgd"},
                                        std::pair{lenet5::OptimizerKind::adam, "adam"},
                                        std::pair{lenet5::OptimizerKind::sdlm, "sdlm"}}) {
    lenet5::TrainCheckpoint checkpoint;
    const bool adam = optimizer == lenet5::OptimizerKind::adam;
    checkpoint.model = lenet5::initialize_model(adam ? tiny_conv() : tiny_dense(), 4);
    checkpoint.options.epochs = 3;
    checkpoint.options.optimizer = optimizer;
    checkpoint.options.threads = 1;
    checkpoint.options.data_source = {"--data", "/data/tiny\\set", "--limit", "10"};
    checkpoint.epochs_done = 1;
    const std::size_t buffers = adam ? 2 : optimizer == lenet5::OptimizerKind::sgd ? 1 : 0;
    for (std::size_t i = 0; i < buffers * checkpoint.model.parameters.size(); ++i)
      checkpoint.optimizer.buffers.push_back(0.001f * float(i));
    checkpoint.optimizer.steps = 5;
    checkpoint.data = {10, {1, 4, 4}, 2, 0x12345678, 0x9abcdef0, 0x30644799};
    const fs::path path = root / "checkpoint" / (std::string("tiny-") + name + ".checkpoint");
    lenet5::save_checkpoint(checkpoint, path.string());
  }

  // Images: binary and plain PGM (one with a comment and a 16-bit maxval), and a grey PNG.
  const lenet5::GreyImage picture{3, 2, {0, 64, 128, 192, 255, 17}};
  lenet5::write_pgm(picture, (root / "image/tiny-p5.pgm").string());
  write(root / "image/tiny-p2.pgm", std::string("P2\n# tiny\n3 2\n65535\n0 16384 32768\n49152 65535 4369\n"));
  lenet5::write_png(picture, (root / "image/tiny.png").string());
  // 2x2 palette with transparency (4-bit indices), and 16-bit RGBA interlaced.
  write(root / "image/palette-trns.png",
        png(2, 2, 4, 3, 0, {{"PLTE", {0, 0, 0, 255, 0, 0, 0, 255, 0}}, {"tRNS", {255, 128}}}, {0, 0x12, 0, 0x01}));
  Bytes rgba16;
  for (std::uint8_t row = 0; row < 2; ++row) {
    rgba16.push_back(0);
    for (std::uint8_t i = 0; i < 16; ++i) rgba16.push_back(static_cast<std::uint8_t>(row * 97 + i * 31));
  }
  // Interlaced data is laid out per Adam7 pass; for 2x2 the passes hold pixel (0,0), (1,0) and row 1.
  Bytes adam7{0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 10, 11, 12, 13, 14, 15, 16, 0, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32};
  write(root / "image/rgba16-adam7.png", png(2, 2, 16, 6, 1, {}, adam7));

  // JPEG: grey baseline with an Exif orientation (6, big-endian), and colour progressive.
  Bytes halves(16 * 8);
  for (std::size_t i = 0; i < halves.size(); ++i) halves[i] = i % 16 < 8 ? 30 : 220;
  write(root / "image/exif6.jpg",
        builders::encode_test_jpeg({.width = 16, .height = 8, .pixels = halves, .app1 = builders::exif_app1(6, true)}));
  Bytes colours;
  for (int i = 0; i < 8 * 8; ++i) colours.insert(colours.end(), {static_cast<std::uint8_t>(i * 4), 90, 200});
  write(root / "image/progressive-rgb.jpg",
        builders::encode_test_jpeg({.width = 8, .height = 8, .channels = 3, .pixels = colours, .progressive = true}));

  // BMP: 8-bit palette bottom-up (3 colours, rows padded), and 32-bit bit fields with alpha, top-down, V5 header.
  write(root / "image/palette8.bmp",
        builders::bmp_file({.width = 3, .height = 2, .bits = 8, .after_header = {0, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 0},
                            .rows = {0, 1, 2, 0, 2, 1, 0, 0}, .colours_used = 3}));
  write(root / "image/bitfields-alpha.bmp",
        builders::bmp_file({.width = 2, .height = -1, .bits = 32, .compression = 3, .header_size = 124,
                            .header_masks = {0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000},
                            .rows = {1, 2, 3, 255, 4, 5, 6, 0}}));

  // PPM: binary 16-bit and plain.
  write(root / "image/tiny-p6.ppm", std::string("P6\n2 1\n65535\n") + std::string("\x00\x10\xFF\x00\x80\x00\x12\x34\x56\x78\x9A\xBC", 12));
  write(root / "image/tiny-p3.ppm", std::string("P3\n# tiny\n2 1\n15\n15 0 7\n1 2 3\n"));

  // WebP: lossless with alpha, and lossy.
  const Bytes rgba{255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 1, 10, 20, 30, 40};
  std::uint8_t* encoded = nullptr;
  std::size_t size = WebPEncodeLosslessRGBA(rgba.data(), 2, 2, 8, &encoded);
  write(root / "image/lossless-alpha.webp", Bytes(encoded, encoded + size));
  WebPFree(encoded);
  size = WebPEncodeRGB(colours.data(), 8, 8, 24, 50, &encoded);
  write(root / "image/lossy.webp", Bytes(encoded, encoded + size));
  WebPFree(encoded);

  // Network descriptions: both presets and the tiny ones above.
  write(root / "network_spec/modern.txt", lenet5::to_text(lenet5::modern_preset()));
  write(root / "network_spec/classic.txt", lenet5::to_text(lenet5::classic_preset()));
  write(root / "network_spec/tiny-conv.txt", lenet5::to_text(tiny_conv()));
  return 0;
}
