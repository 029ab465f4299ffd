#include "data/touching_pairs.hpp"

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"
#include "lenet5/preprocess.hpp"

namespace lenet5 {
namespace {

// The columns [first, last] of a 28×28 digit that hold ink (first > last when it has none).
std::pair<int, int> ink_columns(std::span<const std::uint8_t> digit) {
  int first = kDigitField, last = -1;
  for (int y = 0; y < kDigitField; ++y)
    for (int x = 0; x < kDigitField; ++x)
      if (digit[std::size_t(y) * kDigitField + x]) first = std::min(first, x), last = std::max(last, x);
  return {first, last};
}

}  // namespace

Image touching_pair(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second, int overlap) {
  constexpr int kMargin = 2;
  const auto [a_first, a_last] = ink_columns(first);
  const auto [b_first, b_last] = ink_columns(second);
  if (a_first > a_last || b_first > b_last) return {};
  const int a_width = a_last - a_first + 1, b_width = b_last - b_first + 1;
  Image canvas{a_width + b_width - overlap + 2 * kMargin, kDigitField, 1, {}};
  canvas.pixels.assign(std::size_t(canvas.width) * canvas.height, 0);
  const auto paste = [&](std::span<const std::uint8_t> digit, int from, int width, int at) {
    for (int y = 0; y < kDigitField; ++y)
      for (int x = 0; x < width; ++x) {
        std::uint8_t& pixel = canvas.pixels[std::size_t(y) * canvas.width + at + x];
        pixel = std::max(pixel, digit[std::size_t(y) * kDigitField + from + x]);
      }
  };
  paste(first, a_first, a_width, kMargin);
  paste(second, b_first, b_width, kMargin + a_width - overlap);
  return canvas;
}

Dataset with_touching_pairs(const Dataset& data, double fraction, std::uint64_t seed) {
  if (data.channels != 1 || data.rows != kDigitField || data.cols != kDigitField)
    throw Error("touching pairs are made of 28x28 grey digits");
  if (data.classes.size() > kNotOneClass) throw Error("touching pairs need a dataset of at most 255 classes");
  const auto pairs = static_cast<std::size_t>(std::llround(fraction * double(data.count)));
  Dataset out = data;
  out.images.reserve((data.count + pairs) * data.image_size());
  out.labels.reserve(data.count + pairs);
  // A stream of its own: the same seed also shuffles and distorts.
  Rng rng(seed ^ 0x746F756368696E67ull);
  // Digits without ink make no pair; a set of nothing but such would never end.
  std::size_t attempts = 0;
  for (std::size_t made = 0; made < pairs; ++attempts) {
    if (attempts > 4 * pairs + 100) throw Error("too few training images with ink to make touching pairs of");
    const std::size_t a = rng.below(std::uint32_t(data.count)), b = rng.below(std::uint32_t(data.count));
    const int overlap = int(rng.below(4)) - 1;
    const Image pair = touching_pair(data.image(a), data.image(b), overlap);
    if (pair.pixels.empty()) continue;
    const PreparedDigit prepared = prepare_digit(pair, {.polarity = Polarity::light_ink});
    if (!prepared.ink_found) continue;
    out.images.insert(out.images.end(), prepared.field.pixels.begin(), prepared.field.pixels.end());
    out.labels.push_back(kNotOneClass);
    ++made;
  }
  out.count = data.count + pairs;
  return out;
}

}  // namespace lenet5
