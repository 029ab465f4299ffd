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
//
// A model trained on pictures that are not digits (Fashion-MNIST's clothes) records the plain preparation
// instead: the whole picture letterboxed into the same field, with no ink to look for.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lenet5/image.hpp"
#include "lenet5/network_spec.hpp"

namespace lenet5 {

inline constexpr int kDigitField = 28;  // MNIST's field; the network's 32×32 input adds the paper's border
inline constexpr int kDigitBox = 20;    // the box the digit's longer side is scaled to

// Which way round the picture's ink is: `automatic` takes the majority of the picture as the paper (the
// plain preparation has no ink to look for: there `automatic` keeps the picture's grey levels as they are).
enum class Polarity { automatic, dark_ink, light_ink };

// How a picture becomes the network's input; a model records the one its training data called for
// (lenet5/model.hpp; the numbers are what model files store), and reading a picture applies it
// (prepare_input).
enum class InputPreparation {
  digit = 0,  // MNIST's procedure for a handwritten digit (prepare_digit): for MNIST-like digits
  plain = 1,  // the whole picture letterboxed (prepare_plain): for datasets that are not digits
};
std::string to_string(InputPreparation preparation);                         // "digit", "plain"
std::optional<InputPreparation> parse_input_preparation(const std::string& name);  // nullopt if unknown

struct PrepareOptions {
  Polarity polarity = Polarity::automatic;
  // prepare_plain's frame: the shape of the images the model was trained on (Model::image_shape), 1 grey
  // or 3 colour channels. prepare_digit always makes MNIST's 1×28×28.
  Shape image{1, kDigitField, kDigitField};
};

// A rectangle in the picture's pixels (after any EXIF rotation the decoder applied).
struct PixelBox {
  int x = 0, y = 0, width = 0, height = 0;
};

struct PreparedDigit {
  bool ink_found = false;  // false: a blank page (or one ink everywhere): there is no digit to read
  // 28×28, MNIST's bytes: 0 = background, 255 = ink (all 0 without ink). From prepare_plain, the frame's
  // size, and `channels` planes of it one after another (R, G, B for colour), as the classifier reads them.
  GreyImage field;
  int channels = 1;
  PixelBox box;            // the ink's bounding box in the picture
  bool inverted = false;   // the picture had dark ink on light paper
};

// The picture as one MNIST-style digit. Throws lenet5::Error for an empty or malformed image.
PreparedDigit prepare_digit(const Image& picture, const PrepareOptions& options = {});

// The whole picture in the frame options.image (28×28 grey unless told), as datasets of pictures that are
// not digits hold theirs (the classifier centres the field on the network's input as it did the training
// images): grey by luma as above, or for 3 channels R, G, B (grey replicated; alpha composited onto white,
// as to_grey does); scaled by area coverage so that it fills the frame's width or height, keeping its
// aspect ratio; centred on whole field pixels; the rest background (0). Nothing is cropped and no ink is
// looked for: the levels are kept as they are (0 = black), inverted only with Polarity::dark_ink (for a
// model trained on light things on black, given dark things on white). `ink_found` is true (there is always
// a picture), `box` the whole picture. Throws lenet5::Error for an empty or malformed image, or a frame
// that is not 1 or 3 channels of at least 1×1.
PreparedDigit prepare_plain(const Image& picture, const PrepareOptions& options = {});

// prepare_digit or prepare_plain, as `preparation` says.
PreparedDigit prepare_input(const Image& picture, InputPreparation preparation, const PrepareOptions& options = {});

// One way to read some of a written number's ink: its digits left to right, and how plausible that split
// is from the ink's shapes alone (the log of a prior; segment_number says what it weighs).
struct InkSplit {
  std::vector<PreparedDigit> digits;
  double log_prior = 0;
};

// Pieces [first, last] of a number's ink, read as the digits of one of its splits.
struct NumberSpan {
  int first = 0, last = 0;
  std::vector<InkSplit> splits;
};

// A written number's segmentation graph (the paper's heuristic over-segmentation, §VI-A): its pieces of ink
// left to right, and the spans of them that may be digits, with their splits. A reader picks the path of
// spans over all pieces, one span after another, that recognition and the priors like best (read_number).
struct NumberLayout {
  int pieces = 0;
  std::vector<NumberSpan> spans;
};

// The picture as a number written left to right (no pieces on a blank page). The ink is split into
// connected strokes; strokes stacked over each other (columns overlapping by half the narrower's width: a
// broken stroke) are one piece; a piece much shorter than its neighbours (a 5's flag) joins the nearer one
// or, far from both, is dropped as a stray mark. Then the graph's spans: every piece whole, and a wide one
// also cut where its columns hold the least ink (touching digits); neighbouring pieces whose columns overlap
// or nearly touch also joined, by twos and threes (one digit broken). The priors: a cut costs a factor ½;
// joined or apart are alike; and each digit's shape, in units of the number's tallest piece H, is weighed
// by how MNIST's digits look: at most about as wide as H (×0.5 at 1.1 H, ×0.01 at 1.35 H) and most as
// large as H (×0.3 at 0.7 H, ×0.02 at 0.5 H).
NumberLayout segment_number(const Image& picture, const PrepareOptions& options = {});

}  // namespace lenet5
