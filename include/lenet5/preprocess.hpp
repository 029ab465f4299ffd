#pragma once
// Turning a person's picture of a digit into what the network was trained on: everything between a decoded
// image and the classifier's input happens here, nowhere else.
//
// MNIST's own procedure (LeCun et al. 1998, §III-A; reconstructed exactly by QMNIST, Yadav & Bottou 2019):
// the digit's ink is cropped to its bounding box, made square by the longer side, resampled into a 20×20
// box by area coverage (the grey levels MNIST's anti-aliasing produced), its ink rescaled to full intensity,
// and placed in a 28×28 field with its centre of mass (pixel centres at i + 0.5) on the field's centre,
// moved by whole pixels. Before that, for photos and scans: grey by luma (alpha composited on white), the
// paper told from the ink (polarity, uneven lighting, tinted paper, noise), and stray specks dropped.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lenet5/image.hpp"

namespace lenet5 {

inline constexpr int kDigitField = 28;  // MNIST's field; the network's 32×32 input adds the paper's border
inline constexpr int kDigitBox = 20;    // the box the digit's longer side is scaled to

// Which way round the picture's ink is: `automatic` takes the majority of the picture as the paper.
enum class Polarity { automatic, dark_ink, light_ink };

struct PrepareOptions {
  Polarity polarity = Polarity::automatic;
};

// A rectangle in the picture's pixels (after any EXIF rotation the decoder applied).
struct PixelBox {
  int x = 0, y = 0, width = 0, height = 0;
};

struct PreparedDigit {
  bool ink_found = false;  // false: a blank page (or one ink everywhere): there is no digit to read
  GreyImage field;         // 28×28, MNIST's bytes: 0 = background, 255 = ink (all 0 without ink)
  PixelBox box;            // the ink's bounding box in the picture
  bool inverted = false;   // the picture had dark ink on light paper
};

// The picture as one MNIST-style digit. Throws lenet5::Error for an empty or malformed image.
PreparedDigit prepare_digit(const Image& picture, const PrepareOptions& options = {});

// One piece of ink of a written number, and the ways to read it: as one digit, then (for a piece wide enough
// to be touching digits) cut into two, and three; a reader picks one (read_number, lenet5/reading.hpp).
struct NumberPiece {
  std::vector<std::vector<PreparedDigit>> alternatives;  // each the piece's digits, left to right
};

// The picture as a number written left to right: its pieces in order (none on a blank page). The ink is
// split into connected strokes; strokes stacked over each other (columns overlapping by half the narrower's
// width: a broken stroke) are one piece; a piece much shorter than its neighbours (a 5's flag) joins the
// nearer one or, far from both, is dropped as a stray mark. Touching digits stay one piece, with the cuts
// where its columns hold the least ink as its alternatives.
std::vector<NumberPiece> segment_number(const Image& picture, const PrepareOptions& options = {});

}  // namespace lenet5
