#pragma once
// Pictures that explain the network and its data, as grey images (write them with write_png).
#include <cstddef>
#include <cstdint>

#include "lenet5/dataset.hpp"
#include "lenet5/image.hpp"

namespace lenet5 {

// The first `examples` digits of `data`, one per row: the original, then `per_example` (1–9) of the
// distorted instances that training with distortions and this seed shows (the paper's Fig. 7).
GreyImage distortion_grid(const Dataset& data, std::size_t examples, int per_example, std::uint64_t seed);

}  // namespace lenet5
