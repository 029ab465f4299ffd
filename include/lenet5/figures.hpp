#pragma once
// Figures of what LeNet-5 sees and how well it reads: its filters, its feature maps, its mistakes, its
// confusion matrix, its training curves and its error against rejection. The lenet5_figures library
// (cairo, text set in DejaVu Sans), kept apart from the core so that the core needs no drawing library; the
// CLI's `lenet5 picture` draws with it. Every figure is built from the library's public results
// (Classifier::layers and trace, Evaluation, rejection_curve, `train --json` logs) and written as PNG or SVG.
//
// Every function that draws text throws lenet5::Error when the DejaVu Sans font is not installed (Debian:
// fonts-dejavu-core): there is no silent fallback to another font.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lenet5/dataset.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/image.hpp"
#include "lenet5/layer_info.hpp"
#include "lenet5/rejection.hpp"

namespace lenet5 {

enum class FigureFormat { png, svg };

// The format a file name asks for: .png or .svg, in any case. Throws lenet5::Error for any other name.
FigureFormat figure_format(const std::string& path);

// A named rectangle of a figure, in pixels from its top-left corner: where its parts are (a confusion
// matrix's cells, the tiles of misclassified digits, each kernel), for tests and image maps.
struct FigureRegion {
  std::string name;
  int x = 0, y = 0, width = 0, height = 0;
};

struct FigureDrawing;

// A figure, laid out and ready to be written: width × height pixels (the PNG's size; an SVG's, in points).
// The same figure gives the same bytes every time it is encoded.
class Figure {
 public:
  explicit Figure(std::shared_ptr<const FigureDrawing> drawing);
  int width() const;
  int height() const;
  const std::vector<FigureRegion>& regions() const;
  std::vector<std::uint8_t> encode(FigureFormat format) const;
  // Writes it as figure_format(path) says, atomically. Throws lenet5::Error naming the path.
  void save(const std::string& path) const;

 private:
  std::shared_ptr<const FigureDrawing> drawing_;
};

// The confusion matrix of `evaluation` as a heatmap (rows the true class, columns the predicted one), the
// count in each cell, the classes named on both axes; the colour follows the count on a logarithmic scale,
// with its legend. Regions "cell R C". `model` and `data` name what was evaluated, for the title.
Figure confusion_figure(const Evaluation& evaluation, const std::vector<std::string>& class_names,
                        const std::string& model, const std::string& data);

// The kernels of the convolutions whose maps are larger than 1×1 (LeNet-5's C1 and C3), each as a grid with
// the input maps as rows and the output maps as columns (the layout of the paper's Table I), empty where the
// connection table leaves an input out; each layer on a diverging colour scale with its legend. Regions
// "C3 kernel O I" (output map O, input map I) for the connected kernels.
Figure filters_figure(const std::vector<LayerInfo>& layers, const std::string& model);

// The paper's Fig. 13 for one picture: the picture as given, the prepared input and every layer's output
// maps from Classifier::trace, each layer on its own diverging colour scale with its legend, then the
// probability of each class. Regions "picture", "input", and "LAYER" for each traced layer's row.
Figure maps_figure(const Image& picture, const std::vector<Tensor>& trace, const std::vector<float>& probabilities,
                   const std::vector<std::string>& class_names, const std::string& model, const std::string& picture_name);

// The misclassified examples of `data` (the paper's Fig. 8), most confident mistakes first, at most `limit`
// of them (0: all), each captioned "true→predicted" with its confidence. Regions "tile N", N from 0 in
// that order. `model` and `data` name what was evaluated, for the title.
Figure errors_figure(const Dataset& data, const Evaluation& evaluation, std::size_t limit, const std::string& model,
                     const std::string& description);

// One epoch of a `lenet5 train --json` log.
struct EpochRecord {
  int epoch = 0;
  double train_loss = 0;
  double train_accuracy = 0;
  std::optional<double> held_out_accuracy;  // null in the log when there was nothing held out
};

struct TrainingLog {
  std::string label;               // what the figure's legend calls it
  std::string held_out = "test";   // which accuracy the log has: "test" or "validation"
  std::vector<EpochRecord> epochs;
};

// Reads a `lenet5 train --json` log, one JSON object per line, its label the file's name without folders
// and extension. Throws lenet5::Error naming the file (and the line) when it cannot be read, holds no
// epochs, or a line is not such an object.
TrainingLog read_training_log(const std::string& path);

// Loss (logarithmic axis: different losses share no scale) and accuracy (held-out solid, training dashed)
// per epoch, in two panels, one colour per log with a legend. Regions "loss" and "accuracy" (the plots).
Figure curves_figure(const std::vector<TrainingLog>& logs);

struct RejectionSeries {
  std::string label;  // the model
  std::vector<RejectionPoint> curve;
};

// Error among the accepted examples against the fraction rejected (the paper's Fig. 10), one curve per
// series, the points where each reaches 0.5 % and 0.1 % error marked. `ranking` says what is rejected
// first ("lowest confidence", "smallest margin"), `data` on what, for the title. Region "plot".
Figure rejection_figure(const std::vector<RejectionSeries>& series, const std::string& ranking, const std::string& data);

// A grey picture as it is, each pixel a `scale` × `scale` block (the distortion grid).
Figure image_figure(const GreyImage& image, int scale);

}  // namespace lenet5
