#pragma once
// Fitting a picture into a frame of another size: scaled by area coverage (MNIST's anti-aliasing) so that it
// fills the frame's width or height, keeping its aspect ratio, centred on whole frame pixels, the rest
// background (0). Shared by prepare_plain (a person's picture for a model that reads whole pictures) and the
// image-folder reader (pictures of other sizes than the dataset's).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lenet5/dataset.hpp"

namespace lenet5 {

// `channels` planes of width × height bytes (each row-major, one after another) into as many planes of
// frame_width × frame_height, each resampled alike; `invert` turns every value v into 255 − v first.
std::vector<std::uint8_t> letterbox(const std::uint8_t* planes, int channels, int width, int height, int frame_width,
                                    int frame_height, bool invert = false);

// The size of a width × height picture scaled, aspect ratio kept, to fit box_width × box_height.
std::pair<int, int> fitted_size(int width, int height, int box_width, int box_height);

// LeNet-5's input field: a dataset's images larger than this are shrunk to fit it.
inline constexpr int kInputSide = 32;

// When `data`'s images are larger than kInputSide × kInputSide, shrinks each to fit it (letterbox: area
// averaging, aspect ratio kept) and returns the line that says so; else returns "" and leaves them.
std::string shrink_to_input(Dataset& data);

}  // namespace lenet5
