#pragma once
// Random planar affine distortions of training images, the paper's "distortions" setting (LeCun et al. 1998,
// §III-B, Fig. 7): horizontal and vertical translation, scaling, squeezing (horizontal compression with vertical
// elongation, or the reverse) and horizontal shearing, resampled bilinearly. The paper gives no parameter ranges;
// docs/distortions.md says how these were chosen, measures them on MNIST, and shows a picture.
//
// Coordinates: pixel (x, y) has its centre at (x, y), x to the right, y down; the image centre is
// c = ((width − 1)/2, (height − 1)/2). Bytes are MNIST's: 0 = background, 255 = ink.
#include <cstddef>
#include <cstdint>

#include "core/rng.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/image.hpp"
#include "lenet5/pictures.hpp"

namespace lenet5 {

// Each parameter is drawn independently and uniformly in [−max, +max] (sample_distortion_params).
// The defaults keep distortions "modest", like Fig. 7: see docs/distortions.md for the evidence.
struct DistortionRanges {
  float max_translate_x = 2.0f;  // pixels
  float max_translate_y = 2.0f;  // pixels
  float max_scale = 0.10f;       // scale factor σ = 1 + u
  float max_squeeze = 0.15f;     // squeeze factor ρ = 1 + u: width × ρ, height ÷ ρ (area kept)
  float max_shear = 0.20f;       // horizontal shear k: x moves by k · (y − c_y)
  // Not the paper's: the strokes' width w (change_stroke_width), for people's pens, thinner and thicker than
  // MNIST's (docs/distortions.md). 0 keeps §III-B's affine distortions alone.
  float max_stroke = 0.0f;
};

// One draw, in the terms of the ranges above: the forward transform (input → output) is
//   p = σ · diag(ρ, 1/ρ) · [[1, k], [0, 1]] · (q − c) + c + (translate_x, translate_y),
// i.e. shear, then squeeze, then scale about the centre, then translate.
struct DistortionParams {
  float translate_x = 0.0f;
  float translate_y = 0.0f;
  float scale = 1.0f;    // σ
  float squeeze = 1.0f;  // ρ
  float shear = 0.0f;    // k
  float stroke = 0.0f;   // w
};

// The affine map from output to input coordinates, about the image centre, as distort() applies it:
//   input_x = a·(x − c_x) + b·(y − c_y) + c_x + tx
//   input_y = c·(x − c_x) + d·(y − c_y) + c_y + ty
// The default is the identity. Translating the picture by (+2, +1) is {1, 0, 0, 1, −2, −1}.
struct Distortion {
  float a = 1.0f, b = 0.0f, c = 0.0f, d = 1.0f;
  float tx = 0.0f, ty = 0.0f;
};

DistortionParams sample_distortion_params(const DistortionRanges& ranges, Rng& rng);
// The output→input map of a forward transform (inverts the 2×2 part and the translation).
Distortion affine_map(const DistortionParams& params);
Distortion sample_distortion(const DistortionRanges& ranges, Rng& rng);

// Distorted instance `instance` of training example `example`: the same map every time for the same seed,
// so the paper's 540,000 distorted instances exist without being stored. The generator is seeded with a
// SplitMix64 hash of (seed, example, instance), independent for every pair.
DistortionParams distortion_params_for(const DistortionRanges& ranges, std::uint64_t seed, std::uint32_t example,
                                       std::uint32_t instance);
Distortion distortion_for(const DistortionRanges& ranges, std::uint64_t seed, std::uint32_t example,
                          std::uint32_t instance);

// Thickens (w > 0) or thins (w < 0) the strokes of `in` into `out` (same size; may be `in` itself) by |w|
// steps of grey-level dilation or erosion over the pixel and its four neighbours (background beyond the
// image), each step moving every edge of a stroke out or in by about a pixel; a fraction of a step blends
// the last step with the one before.
void change_stroke_width(const std::uint8_t* in, int width, int height, float w, std::uint8_t* out);

// Keeping the digit inside the frame. The support of the bilinear picture of the input's ink is the bounding
// box of its non-zero pixels grown by one pixel; after the map, that box (a parallelogram) must lie within
// [0, width − 1] × [0, height − 1], so that the output's outermost rows and columns stay background and no ink is
// cut off. When it does not, the translation is clamped to the nearest one that fits; when no translation
// fits (the transformed box is larger than the frame), the linear part is first shrunk about the centre until
// the box fits exactly. A blank image is left as it is.
enum class FrameFit { fits, translation_clamped, shrunk };
struct FittedDistortion {
  Distortion map;
  FrameFit fit = FrameFit::fits;
};
FittedDistortion fit_in_frame(const Distortion& map, const std::uint8_t* image, int width, int height);

// Resamples `in` (width × height bytes, row-major) through `map` into `out` (same size; may be `in` itself):
// each output pixel is the bilinear interpolation of the input at its mapped position, with background (0)
// outside the image, rounded to the nearest byte. The identity and integer translations copy bytes exactly.
void distort(const std::uint8_t* in, int width, int height, const Distortion& map, std::uint8_t* out);

// The distortions training set (§III-B: 60,000 originals + 540,000 distorted instances = 10 instances of
// each example): instance 0 is the original, instances 1–9 its distorted versions.
inline constexpr std::uint32_t kInstancesPerExample = 10;

// Which instance of `example` to present in training pass `pass` (0-based). Within each block of ten passes,
// every example shows each of its ten instances exactly once, in an order drawn from (seed, example, block);
// so each pass holds every example once, and 20 passes of 60,000 patterns present each of the 600,000
// patterns exactly twice ("each original is seen about twice").
std::uint32_t instance_in_pass(std::uint64_t seed, std::uint32_t example, std::uint32_t pass);

// Writes instance `instance` of `example` (whose bytes are `in`) into `out`: a copy for instance 0, else
// its strokes' width changed (when ranges.max_stroke > 0), then distortion_for() fitted in the frame and
// resampled. This is the one call a batcher needs.
void make_instance(const DistortionRanges& ranges, std::uint64_t seed, std::uint32_t example,
                   std::uint32_t instance, const std::uint8_t* in, int width, int height, std::uint8_t* out);

// A picture like Fig. 7: one row per example (the first `examples` of the dataset), the original in the first
// column and distorted instances 1..per_example after it, dark ink on white, 2-pixel grey gaps and border.
// (The public distortion_grid of lenet5/pictures.hpp draws it with the default ranges.)
GreyImage distortion_grid(const Dataset& dataset, std::size_t examples, int per_example, std::uint64_t seed,
                          const DistortionRanges& ranges);

}  // namespace lenet5
