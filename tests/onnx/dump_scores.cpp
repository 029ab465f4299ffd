// The model's own raw outputs for MNIST's 10,000 test images, which scripts/check-onnx.sh compares ONNX
// Runtime's with: little-endian float32, image by image, one value per class (scores, or RBF penalties).
//   lenet5_dump_scores MODEL MNIST_DIR OUT
#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/model.hpp"

static_assert(std::endian::native == std::endian::little, "the scores are written as the machine holds them");

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs("usage: lenet5_dump_scores MODEL MNIST_DIR OUT\n", stderr);
    return 2;
  }
  try {
    const lenet5::Classifier classifier(lenet5::load_model(argv[1]));
    const lenet5::Dataset test = lenet5::load_mnist(argv[2], lenet5::Split::test);
    std::vector<float> scores(test.count * std::size_t(classifier.classes()));
    classifier.score_batch(test.images, test.cols, test.rows, test.count, scores);
    std::FILE* out = std::fopen(argv[3], "wb");
    const bool written = out && std::fwrite(scores.data(), sizeof(float), scores.size(), out) == scores.size();
    if (!out || std::fclose(out) != 0 || !written) throw lenet5::Error(std::string(argv[3]) + ": cannot write");
    return 0;
  } catch (const lenet5::Error& error) {
    std::fprintf(stderr, "lenet5_dump_scores: %s\n", error.what());
    return 1;
  }
}
