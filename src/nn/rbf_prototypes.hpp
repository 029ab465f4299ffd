#pragma once
// The fixed parameters of LeNet-5's output layer (§II-B, eq. 7; the paper's Fig. 3). Output unit i computes the
// penalty y_i = Σ_j (x_j − w_ij)² over the 84 F6 states x_j; its w_ij are ±1 and never trained: a stylised
// 7-wide, 12-tall bitmap of digit i, +1 for ink and −1 for background. The paper draws these by hand for the
// whole ASCII set; Fig. 3 is not recoverable from the text, so the ten digits here are our own drawing.
#include <array>
#include <string_view>
#include <vector>

namespace lenet5::nn {

inline constexpr int kPrototypeRows = 12;
inline constexpr int kPrototypeColumns = 7;
inline constexpr int kPrototypeSize = kPrototypeRows * kPrototypeColumns;  // 84, the width of F6
inline constexpr int kPrototypeClasses = 10;

// One digit as ASCII art: kPrototypeRows strings of kPrototypeColumns characters, '#' = ink (+1), '.' = −1.
using DigitBitmap = std::array<std::string_view, kPrototypeRows>;

// The ten bitmaps, digit d at index d.
const std::array<DigitBitmap, kPrototypeClasses>& digit_bitmaps();

// w as kPrototypeClasses × kPrototypeSize floats, row-major [class][j]. F6 unit j is bitmap pixel
// (row, column) = (j / 7, j % 7): the bitmap is read row by row, top to bottom, left to right.
std::vector<float> rbf_prototypes();

}  // namespace lenet5::nn
