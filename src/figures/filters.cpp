// The convolution kernels, laid out as the paper's Table I.
#include <algorithm>
#include <cmath>
#include <utility>

#include "figures/canvas.hpp"
#include "lenet5/error.hpp"
#include "lenet5/figures.hpp"

namespace lenet5 {

using namespace figures;

namespace {

constexpr int kKernelCell = 8;  // pixels per kernel weight
constexpr int kKernelGap = 6;

const Tensor& tensor(const LayerInfo& layer, const std::string& name) {
  for (const Tensor& t : layer.tensors)
    if (t.name == name) return t;
  throw Error("layer " + layer.name + " has no " + name + " tensor");
}

// One convolution's kernels, and where its block sits.
struct KernelBlock {
  std::string name, input_name;  // the layer's, and the one it reads
  int outputs = 0, inputs = 0, kernel = 0;
  std::vector<float> weight, connections;  // the layer's tensors of those names
  double limit = 0;  // the largest |weight| of its connected kernels: its colour scale's ends
  int top = 0;       // the block's heading's top
  int grid_top = 0, grid_left = 0, pitch = 0;

  bool connected(int output, int input) const { return connections[std::size_t(output) * inputs + input] != 0; }
  const float* weights(int output, int input) const {
    return weight.data() + (std::size_t(output) * inputs + input) * kernel * kernel;
  }
};

}  // namespace

Figure filters_figure(const std::vector<LayerInfo>& layers, const std::string& model) {
  std::vector<KernelBlock> blocks;
  std::string previous = "input";
  for (const LayerInfo& layer : layers) {
    const std::string input_name = std::exchange(previous, layer.name);
    if (layer.kind != LayerKind::conv || layer.output.height * layer.output.width <= 1) continue;
    const Tensor& weight = tensor(layer, "weight");
    KernelBlock block{layer.name, input_name, weight.shape[0], weight.shape[1], weight.shape[2], weight.values,
                      tensor(layer, "connections").values};
    for (int o = 0; o < block.outputs; ++o)
      for (int i = 0; i < block.inputs; ++i)
        if (block.connected(o, i))
          for (int k = 0; k < block.kernel * block.kernel; ++k)
            block.limit = std::max(block.limit, double(std::abs(block.weights(o, i)[k])));
    blocks.push_back(block);
  }
  if (blocks.empty()) throw Error("filters figure: the network has no convolution with maps larger than 1x1");

  const int margin = 20, row_names = 80;
  std::vector<std::string> names;
  for (const KernelBlock& block : blocks) names.push_back(block.name);
  const std::string title = "Convolution kernels of " + model + ": " + joined(names);
  const std::string subtitle = "each kernel's weights; rows: the maps a layer reads, columns: the maps it makes";
  const std::string subtitle2 = "empty where the layer's connection table (the paper's Table I) leaves an input out";
  int y = 94, widest = 0;
  std::vector<FigureRegion> regions;
  for (KernelBlock& block : blocks) {
    block.top = y;
    block.pitch = block.kernel * kKernelCell + kKernelGap;
    block.grid_left = margin + row_names;
    block.grid_top = y + 44;
    widest = std::max(widest, block.grid_left + block.outputs * block.pitch);
    for (int o = 0; o < block.outputs; ++o)
      for (int i = 0; i < block.inputs; ++i)
        if (block.connected(o, i))
          regions.push_back({block.name + " kernel " + std::to_string(o) + " " + std::to_string(i),
                             block.grid_left + o * block.pitch, block.grid_top + i * block.pitch, block.kernel * kKernelCell,
                             block.kernel * kKernelCell});
    y = block.grid_top + block.inputs * block.pitch + 36 + 40;
  }
  const int width = int(std::ceil(std::max({double(widest + margin), text_width(title, {kTitleSize, true}) + 2 * margin,
                                           text_width(subtitle) + 2 * margin})));
  const int height = y - 10;

  return make_figure(width, height, regions, [=](Canvas& canvas) {
    canvas.text(margin, 32, title, {kTitleSize, true});
    canvas.text(margin, 56, subtitle);
    canvas.text(margin, 76, subtitle2);
    for (const KernelBlock& block : blocks) {
      canvas.text(margin, block.top + 18,
                  block.name + ": " + std::to_string(block.outputs) + " maps from " + std::to_string(block.inputs) +
                      (block.inputs == 1 ? " input map" : " input maps") + ", " + std::to_string(block.kernel) + "x" +
                      std::to_string(block.kernel) + " kernels",
                  {kLabelSize, true});
      const ColourScale scale = diverging_scale(block.limit);
      const int size = block.kernel * kKernelCell;
      for (int o = 0; o < block.outputs; ++o)
        canvas.text(block.grid_left + o * block.pitch + size / 2.0, block.grid_top - 6, std::to_string(o),
                    {kSmallSize, false, Align::centre});
      for (int i = 0; i < block.inputs; ++i) {
        canvas.text(block.grid_left - 10, block.grid_top + i * block.pitch + size / 2.0 + 4, block.input_name + " " + std::to_string(i),
                    {kSmallSize, false, Align::right});
        for (int o = 0; o < block.outputs; ++o) {
          const int x = block.grid_left + o * block.pitch, y0 = block.grid_top + i * block.pitch;
          if (!block.connected(o, i)) {
            canvas.fill_rect(x + size / 2.0 - 1.5, y0 + size / 2.0 - 1.5, 3, 3, kGrid);
            continue;
          }
          canvas.cells(block.weights(o, i), block.kernel, block.kernel, x, y0, kKernelCell, scale);
          canvas.stroke_rect(x - 0.5, y0 - 0.5, size + 1, size + 1, kGrid);
        }
      }
      const int legend_top = block.grid_top + block.inputs * block.pitch + 22;
      canvas.colour_bar(block.grid_left, legend_top, 200, 10, scale, block.name + " weight",
                        [](double value) { return significant(value, 2); }, {-block.limit, 0, block.limit});
    }
  });
}

}  // namespace lenet5
