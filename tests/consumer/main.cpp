// app MODEL PICTURE: the digit in the picture, through the installed headers and libraries alone.
#include <cstdio>
#include <lenet5/image_io.hpp>
#include <lenet5/lenet5.hpp>
#include <lenet5/reading.hpp>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const lenet5::Classifier classifier(lenet5::load_model(argv[1]));
  const lenet5::PreparedDigit digit = lenet5::prepare_digit(lenet5::read_image_file(argv[2]));
  std::printf("%d\n", digit.ink_found ? lenet5::read_digit(classifier, digit).label : -1);
}
