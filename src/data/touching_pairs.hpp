#pragma once
// Touching pairs: two training digits side by side with their strokes touching, prepared as one digit
// would be. They are what a reader's segmentation hands the recogniser when it fails to cut two touching
// digits apart, and the paper's answer (§VI-A: the recogniser of a heuristic over-segmentation must learn
// to reject pieces that are not one character) is to train it to call them no digit at all. Trained with
// the label kNotOneClass (nn::compute_loss: a uniform softmax target, or MAP's rubbish class e^{−j}).
#include <cstdint>
#include <span>

#include "lenet5/dataset.hpp"
#include "lenet5/image.hpp"

namespace lenet5 {

// The label of a training example that is none of the classes. Datasets with touching pairs have at most
// 255 classes.
inline constexpr std::uint8_t kNotOneClass = 255;

// Two 28×28 grey digits (0 = background), each cut to the columns holding its ink, on one canvas: a margin
// of 2 empty columns, the first, the second starting `overlap` columns before the first's last column ends
// (2 or 1: overlapping, 0: meeting, −1: one empty column between), the brighter ink kept where they
// overlap, a margin of 2. Empty when either digit has no ink.
Image touching_pair(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second, int overlap);

// `data` followed by round(fraction × count) touching pairs of its digits, labelled kNotOneClass: two
// digits drawn at random, put together by touching_pair with an overlap drawn from 2, 1, 0 and −1 (the
// near gap a reader still joins), and prepared as one digit (prepare_digit, light ink). Deterministic in
// `seed`. `data` must be 28×28 grey digits.
Dataset with_touching_pairs(const Dataset& data, double fraction, std::uint64_t seed);

}  // namespace lenet5
