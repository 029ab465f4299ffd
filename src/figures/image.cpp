// A grey picture as a figure (the distortion grid), so that it too can be written as PNG or SVG.
#include <algorithm>

#include "figures/canvas.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

Figure image_figure(const GreyImage& image, int scale) {
  if (image.width <= 0 || image.height <= 0 || image.pixels.size() != std::size_t(image.width) * image.height || scale < 1)
    throw Error("image figure: a malformed picture");
  std::vector<std::uint8_t> rgb(image.pixels.size() * 3);
  for (std::size_t p = 0; p < image.pixels.size(); ++p) std::fill_n(rgb.begin() + std::ptrdiff_t(p * 3), 3, image.pixels[p]);
  const int rows = image.height, columns = image.width;
  return make_figure(columns * scale, rows * scale, {}, [=](Canvas& canvas) { canvas.rgb_cells(rgb.data(), rows, columns, 0, 0, scale); });
}

}  // namespace lenet5
