#include "nn/layers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>

#include "kernels/conv.hpp"
#include "kernels/matmul.hpp"
#include "nn/activation.hpp"
#include "nn/rbf_prototypes.hpp"

namespace lenet5::nn {
namespace {

// Initial weights are uniform in ±bound (biases start at 0), F the fan-in. ReLU units get He's √(6/F) so
// the signal keeps its variance through the stack; linear outputs get 1/√F. Squashing units get 2.4/√F:
// App. A prints ±2.4/F but gives the reason "the standard deviation of the weighted sums [should] be in the
// same range for each unit, and fall within the normal operating region of the sigmoid", which only
// √F achieves (the sum's deviation is 1.39·rms(x) whatever F; with 2.4/F it is 1.39/√F·rms(x), so the
// signal fades layer by layer and SDLM cannot learn: docs/classic.md has the measurements).
template <class T>
void initialize_weights(std::span<T> weights, const std::optional<Activation>& activation, int fan_in, Rng& rng) {
  double bound = 1.0 / std::sqrt(double(fan_in));
  if (activation == Activation::relu) bound = std::sqrt(6.0 / fan_in);
  if (activation == Activation::scaled_tanh || activation == Activation::logistic) bound = 2.4 / std::sqrt(double(fan_in));
  for (T& w : weights) w = T(rng.uniform(-float(bound), float(bound)));
}

// `n` rounded up to whole vectors of the widest instruction set (16 floats): matrices padded to it spare the
// matrix kernel a ragged edge.
constexpr std::size_t whole_vectors(std::size_t n) { return (n + 15) / 16 * 16; }

template <class T>
void square(const T* in, T* out, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * in[i];
}

// A layer whose curvature pass is its backward pass with every derivative factor squared (App. C, eq. 27):
// both go through one `propagate`.
template <class T>
class SquaringLayer : public Layer<T> {
 public:
  using Layer<T>::Layer;

  void backward(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                int batch, T* scratch) const final {
    propagate(parameters, in, out, grad_out, grad_in, grad_parameters, batch, scratch, false);
  }

  void backward_curvature(const T* parameters, const T* in, const T* out, const T*, T* curvature_out,
                          T* curvature_in, T* curvature_parameters, int batch, T* scratch) const final {
    propagate(parameters, in, out, curvature_out, curvature_in, curvature_parameters, batch, scratch, true);
  }

 private:
  // backward, or with `squared` the Gauss-Newton curvature pass.
  virtual void propagate(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in,
                         T* grad_parameters, int batch, T* scratch, bool squared) const = 0;
};

}  // namespace

template <class T>
void expand_conv_weights(const ConvSpec& spec, int in_channels, const T* packed, T* dense) {
  const int kernel_area = spec.kernel * spec.kernel;
  for (int o = 0; o < spec.out_channels; ++o)
    for (int i = 0; i < in_channels; ++i) {
      T* target = dense + (std::size_t(o) * in_channels + i) * kernel_area;
      if (spec.connections.empty() || spec.connections[o][i]) {
        std::copy(packed, packed + kernel_area, target);
        packed += kernel_area;
      } else {
        std::fill(target, target + kernel_area, T(0));
      }
    }
}

template void expand_conv_weights<float>(const ConvSpec&, int, const float*, float*);
template void expand_conv_weights<double>(const ConvSpec&, int, const double*, double*);

namespace {

// ---- convolution ---------------------------------------------------------------------------------------
// Lowered to a matrix product: a group of samples is unfolded into columns (im2col), one column per output
// position, so that products(Cout × group·P) = W(Cout × Cin·k·k) · columns. Each sample's block of columns
// is padded to whole vectors of positions (zeros), so the matrix kernel only ever sees whole
// vectors; bias and activation are applied while copying the products out. A connection table is a mask: its weights are
// scattered into a dense matrix whose unconnected entries are zero. (A convolution whose output is 1×1 is
// a fully connected layer and is built as one: see make_layer.)
// Float 5×5 layers run the forward pass and the weight gradient on direct kernels instead (kernels/conv.hpp,
// no unfolding): maps that fill whole vectors (C3's 16) on the `lanes` kernels, with the weights transposed
// to channels-last; otherwise rows of up to 4 vectors (C1's 28) on the `rows` kernels. The input gradient
// stays a matrix product, folded back by a vector kernel when the input rows fit 4 vectors.
template <class T>
class Conv final : public SquaringLayer<T> {
 public:
  Conv(const ConvSpec& spec, Shape in)
      : SquaringLayer<T>(in, {spec.out_channels, in.height - spec.kernel + 1, in.width - spec.kernel + 1}),
        spec_(spec) {
    kernel_area_ = spec.kernel * spec.kernel;
    rows_ = std::size_t(in.channels) * kernel_area_;
    positions_ = std::size_t(this->output_shape().height) * this->output_shape().width;
    padded_positions_ = whole_vectors(positions_);
    for (int o = 0; o < spec.out_channels; ++o)
      for (int i = 0; i < in.channels; ++i) weight_count_ += connected(o, i) ? kernel_area_ : 0;
    if constexpr (std::is_same_v<T, float>) {
      if (kernels::conv_lanes_fits(spec.out_channels, spec.kernel))
        kernel_ = Kernel::lanes;
      else if (kernels::conv_rows_fits(direct_shape(), spec.kernel))
        kernel_ = Kernel::rows;
      fast_fold_ = kernels::conv_fold_fits(direct_shape(), spec.kernel);
    }
  }

  std::size_t parameter_count() const override { return weight_count_ + spec_.out_channels; }

  std::size_t scratch_size(int batch) const override {
    const std::size_t out_channels = spec_.out_channels, width = group_size(batch) * padded_positions_;
    // Dense weights (a table's scattered, or the curvature pass's squared) and their gradient.
    const std::size_t dense_weights = 2 * out_channels * rows_;
    const std::size_t products = std::max({kernels::matmul_scratch_size<T>(out_channels, width, rows_),
                                           kernels::matmul_scratch_size<T>(out_channels, rows_, width),
                                           kernels::matmul_scratch_size<T>(rows_, width, out_channels)});
    // The direct kernels' channels-last weights and their gradient, one sample's products and squared input.
    const std::size_t direct = 2 * out_channels * rows_ + out_channels * positions_ + this->input_shape().size();
    return dense_weights + (rows_ + out_channels) * width + products + direct;
  }

  void initialize(std::span<T> parameters, Rng& rng) const override {
    std::size_t offset = 0;
    for (int o = 0; o < spec_.out_channels; ++o) {
      int inputs = 0;
      for (int i = 0; i < this->input_shape().channels; ++i) inputs += connected(o, i);
      const std::size_t count = std::size_t(inputs) * kernel_area_;
      initialize_weights(parameters.subspan(offset, count), spec_.activation, inputs * kernel_area_, rng);
      offset += count;
    }
    std::fill(parameters.begin() + offset, parameters.end(), T(0));
  }

  void forward(const T* parameters, const T* in, T* out, int batch, T* scratch) const override {
    const Buffers buffers = split(parameters, scratch, batch);
    const T* bias = parameters + weight_count_;
    const std::size_t out_channels = spec_.out_channels, group = group_size(batch);
    if (kernel_ != Kernel::im2col) {
      direct_forward(in, buffers, bias, out, batch);
      return;
    }
    for (std::size_t first = 0; first < std::size_t(batch); first += group) {
      const std::size_t samples = std::min<std::size_t>(group, batch - first), width = samples * padded_positions_;
      for (std::size_t s = 0; s < samples; ++s)
        unfold(in + (first + s) * this->input_shape().size(), buffers.columns + s * padded_positions_, width);
      // products(Cout × samples·P) = W(Cout × rows) · columns(rows × samples·P)
      kernels::matmul<T>(out_channels, width, rows_, {buffers.weights, rows_}, {buffers.columns, width},
                         buffers.products, width, false, buffers.matmul);
      for (std::size_t s = 0; s < samples; ++s)
        for (std::size_t o = 0; o < out_channels; ++o) {
          const T* __restrict source = buffers.products + o * width + s * padded_positions_;
          T* __restrict row = out + ((first + s) * out_channels + o) * positions_;
          for (std::size_t p = 0; p < positions_; ++p) row[p] = source[p] + bias[o];
        }
    }
    activate(spec_.activation, out, std::size_t(batch) * this->output_shape().size());
  }

 private:
  // backward, or with `squared` the Gauss-Newton curvature pass: the same products with every weight, input
  // and activation derivative squared.
  void propagate(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                 int batch, T* scratch, bool squared) const override {
    const Buffers buffers = split(parameters, scratch, batch, squared);
    const std::size_t out_channels = spec_.out_channels;
    activation_backward(spec_.activation, out, grad_out, std::size_t(batch) * this->output_shape().size(), squared);
    T* grad_weights = grad_parameters;
    if (has_table()) {
      grad_weights = buffers.grad_weights;
      std::fill(grad_weights, grad_weights + out_channels * rows_, T(0));
    }
    T* grad_bias = grad_parameters + weight_count_;
    for (std::size_t o = 0; o < std::size_t(batch) * out_channels; ++o) {
      const T* __restrict source = grad_out + o * positions_;
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (std::size_t p = 0; p < positions_; ++p) sum += source[p];
      grad_bias[o % out_channels] += sum;
    }
    const bool direct = kernel_ != Kernel::im2col;
    if (direct) direct_weight_gradient(in, grad_out, grad_weights, batch, buffers, squared);
    if (direct && !grad_in) {
      if (has_table()) gather_table_weights(grad_weights, grad_parameters);
      return;
    }
    T* grad_products = buffers.products;
    const std::size_t group = group_size(batch);
    for (std::size_t first = 0; first < std::size_t(batch); first += group) {
      const std::size_t samples = std::min<std::size_t>(group, batch - first), width = samples * padded_positions_;
      for (std::size_t s = 0; s < samples; ++s) {
        for (std::size_t o = 0; o < out_channels; ++o) {
          T* row = grad_products + o * width + s * padded_positions_;
          const T* source = grad_out + ((first + s) * out_channels + o) * positions_;
          std::copy(source, source + positions_, row);
          std::fill(row + positions_, row + padded_positions_, T(0));
        }
        if (!direct)
          unfold(in + (first + s) * this->input_shape().size(), buffers.columns + s * padded_positions_, width);
      }
      if (!direct) {
        if (squared) square(buffers.columns, buffers.columns, rows_ * width);
        // dW(Cout × rows) += dproducts(Cout × samples·P) · columnsᵀ
        kernels::matmul<T>(out_channels, rows_, width, {grad_products, width}, {buffers.columns, width, true},
                           grad_weights, rows_, true, buffers.matmul);
      }
      if (grad_in) {
        // dcolumns(rows × samples·P) = Wᵀ · dproducts, then folded back onto each input
        kernels::matmul<T>(rows_, width, out_channels, {buffers.weights, rows_, true}, {grad_products, width},
                           buffers.columns, width, false, buffers.matmul);
        for (std::size_t s = 0; s < samples; ++s)
          fold(buffers.columns + s * padded_positions_, width, grad_in + (first + s) * this->input_shape().size());
      }
    }
    if (has_table()) gather_table_weights(grad_weights, grad_parameters);
  }

  struct Buffers {
    const T* weights;  // dense Cout × rows (squared for the curvature pass)
    T* grad_weights;   // dense, with a connection table only
    T* columns;        // rows × padded positions
    T* products;       // Cout × padded positions
    T* matmul;
    // The direct kernels': channels-last weights and their gradient (rows × Cout), one sample's products
    // (positions × Cout) and its squared input.
    T* lanes_weights;
    T* lanes_grad_weights;
    T* lanes_products;
    T* squared_input;
  };

  Buffers split(const T* parameters, T* scratch, int batch, bool squared = false) const {
    Buffers buffers{parameters, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
    const std::size_t weights = spec_.out_channels * rows_;
    if (has_table()) {
      expand_conv_weights(spec_, this->input_shape().channels, parameters, scratch);
      buffers.weights = scratch;
    }
    if (squared) {
      square(buffers.weights, scratch, weights);
      buffers.weights = scratch;
    }
    buffers.grad_weights = scratch + weights;
    scratch += 2 * weights;
    buffers.columns = scratch;
    const std::size_t width = group_size(batch) * padded_positions_;
    buffers.products = buffers.columns + rows_ * width;
    buffers.matmul = buffers.products + spec_.out_channels * width;
    {
      const std::size_t out_channels = spec_.out_channels;
      buffers.lanes_weights = buffers.matmul + std::max({kernels::matmul_scratch_size<T>(out_channels, width, rows_),
                                                         kernels::matmul_scratch_size<T>(out_channels, rows_, width),
                                                         kernels::matmul_scratch_size<T>(rows_, width, out_channels)});
      buffers.lanes_grad_weights = buffers.lanes_weights + rows_ * out_channels;
      buffers.lanes_products = buffers.lanes_grad_weights + rows_ * out_channels;
      buffers.squared_input = buffers.lanes_products + positions_ * out_channels;
    }
    return buffers;
  }

  // out = the activated convolution + bias on the direct kernels, sample by sample (each sample's output
  // is activated while it is still in L1).
  void direct_forward(const T* in, const Buffers& buffers, const T* bias, T* out, int batch) const {
    if constexpr (std::is_same_v<T, float>) {
      const std::size_t out_channels = spec_.out_channels;
      const kernels::ConvShape shape = direct_shape();
      if (kernel_ == Kernel::lanes) transpose(buffers.weights, out_channels, rows_, buffers.lanes_weights);
      for (std::size_t n = 0; n < std::size_t(batch); ++n) {
        const float* input = in + n * this->input_shape().size();
        float* output = out + n * out_channels * positions_;
        if (kernel_ == Kernel::rows) {
          kernels::conv_rows_forward(shape, input, buffers.weights, output);
          for (std::size_t o = 0; o < out_channels; ++o)
            for (std::size_t p = 0; p < positions_; ++p) output[o * positions_ + p] += bias[o];
        } else {
          kernels::conv_lanes_forward(shape, input, buffers.lanes_weights, buffers.lanes_products);
          for (std::size_t o = 0; o < out_channels; ++o)
            for (std::size_t p = 0; p < positions_; ++p)
              output[o * positions_ + p] = buffers.lanes_products[p * out_channels + o] + bias[o];
        }
        activate(spec_.activation, output, out_channels * positions_);
      }
    }
  }

  // dW(Cout × rows) += the weight gradient on the direct kernels (with `squared`, of the squared inputs).
  void direct_weight_gradient(const T* in, const T* grad_out, T* grad_weights, int batch, const Buffers& buffers,
                              bool squared) const {
    if constexpr (std::is_same_v<T, float>) {
      const std::size_t out_channels = spec_.out_channels, input_size = this->input_shape().size();
      const kernels::ConvShape shape = direct_shape();
      if (kernel_ == Kernel::rows && !squared) {
        // A few samples per call: their inputs and gradients stay in L1 while every weight's partial sums
        // are gathered, and the sums across lanes happen once per call.
        constexpr std::size_t kSamplesPerCall = 4;
        for (std::size_t n = 0; n < std::size_t(batch); n += kSamplesPerCall)
          kernels::conv_rows_weight_grad(shape, in + n * input_size, grad_out + n * out_channels * positions_,
                                         int(std::min<std::size_t>(kSamplesPerCall, batch - n)), grad_weights);
        return;
      }
      if (kernel_ == Kernel::lanes) std::fill(buffers.lanes_grad_weights, buffers.lanes_grad_weights + rows_ * out_channels, 0.0f);
      for (std::size_t n = 0; n < std::size_t(batch); ++n) {
        const float* input = in + n * input_size;
        if (squared) {
          square(input, buffers.squared_input, input_size);
          input = buffers.squared_input;
        }
        const float* grad = grad_out + n * out_channels * positions_;
        if (kernel_ == Kernel::rows) {
          kernels::conv_rows_weight_grad(shape, input, grad, 1, grad_weights);
        } else {
          transpose(grad, out_channels, positions_, buffers.lanes_products);
          kernels::conv_lanes_weight_grad(shape, input, buffers.lanes_products, buffers.lanes_grad_weights);
        }
      }
      if (kernel_ == Kernel::lanes)
        for (std::size_t o = 0; o < out_channels; ++o)
          for (std::size_t r = 0; r < rows_; ++r) grad_weights[o * rows_ + r] += buffers.lanes_grad_weights[r * out_channels + o];
    }
  }

  kernels::ConvShape direct_shape() const {
    const Shape& is = this->input_shape();
    return {is.channels, is.height, is.width, spec_.out_channels};
  }

  // target(cols × rows) = source(rows × cols)ᵀ, written in order (gathering reads pipeline; scattered
  // writes stall on store forwarding).
  static void transpose(const T* __restrict source, std::size_t rows, std::size_t cols, T* __restrict target) {
    for (std::size_t c = 0; c < cols; ++c)
      for (std::size_t r = 0; r < rows; ++r) target[c * rows + r] = source[r * cols + c];
  }

  bool has_table() const { return !spec_.connections.empty(); }
  bool connected(int out_channel, int in_channel) const {
    return !has_table() || spec_.connections[out_channel][in_channel];
  }

  // One sample's columns, rows `stride` apart: row (c, ky, kx), column (oy, ox) = in[c][oy+ky][ox+kx];
  // the padding up to padded_positions_ is zero.
  void unfold(const T* in, T* columns, std::size_t stride) const {
    with_output_width([&](auto width) { unfold_rows<width()>(in, columns, stride); });
  }
  // The adjoint of unfold: adds every column entry back onto the input position it came from.
  void fold(const T* columns, std::size_t stride, T* grad_in) const {
    if constexpr (std::is_same_v<T, float>) {
      if (fast_fold_) return kernels::conv_fold(direct_shape(), columns, stride, grad_in);
    }
    std::fill(grad_in, grad_in + this->input_shape().size(), T(0));
    with_output_width([&](auto width) { fold_rows<width()>(columns, stride, grad_in); });
  }

  // Samples unfolded side by side, so that the matrix products are long enough for their reductions over
  // positions (the weight gradient) to amortise.
  std::size_t group_size(int batch) const {
    constexpr std::size_t kColumnsBudget = 65536;  // floats: 256 KB, well inside L2
    return std::clamp<std::size_t>(kColumnsBudget / (rows_ * padded_positions_), 1, std::max(batch, 1));
  }

  // Runs `body` with the output width as a compile-time constant for LeNet-5's widths (C1 28, C3 10), so
  // the short row copies compile to a few vector moves; 0 means "read it at run time".
  template <class Body>
  void with_output_width(Body body) const {
    switch (this->output_shape().width) {
      case 28: return body(std::integral_constant<int, 28>{});
      case 10: return body(std::integral_constant<int, 10>{});
      default: return body(std::integral_constant<int, 0>{});
    }
  }

  template <int FixedWidth>
  void unfold_rows(const T* in, T* columns, std::size_t stride) const {
    const Shape& is = this->input_shape();
    const int out_height = this->output_shape().height, width = FixedWidth ? FixedWidth : this->output_shape().width;
    for (int c = 0; c < is.channels; ++c)
      for (int ky = 0; ky < spec_.kernel; ++ky)
        for (int kx = 0; kx < spec_.kernel; ++kx) {
          T* row = columns + ((c * spec_.kernel + ky) * spec_.kernel + kx) * stride;
          for (int oy = 0; oy < out_height; ++oy) {
            const T* __restrict source = in + (std::size_t(c) * is.height + oy + ky) * is.width + kx;
            T* __restrict target = row + oy * width;
#pragma omp simd
            for (int ox = 0; ox < width; ++ox) target[ox] = source[ox];
          }
          std::fill(row + positions_, row + padded_positions_, T(0));
        }
  }

  template <int FixedWidth>
  void fold_rows(const T* columns, std::size_t stride, T* grad_in) const {
    const Shape& is = this->input_shape();
    const int out_height = this->output_shape().height, width = FixedWidth ? FixedWidth : this->output_shape().width;
    for (int c = 0; c < is.channels; ++c)
      for (int ky = 0; ky < spec_.kernel; ++ky)
        for (int kx = 0; kx < spec_.kernel; ++kx) {
          const T* row = columns + ((c * spec_.kernel + ky) * spec_.kernel + kx) * stride;
          for (int oy = 0; oy < out_height; ++oy) {
            T* __restrict target = grad_in + (std::size_t(c) * is.height + oy + ky) * is.width + kx;
            const T* __restrict source = row + oy * width;
#pragma omp simd
            for (int ox = 0; ox < width; ++ox) target[ox] += source[ox];
          }
        }
  }

  void gather_table_weights(const T* dense, T* packed) const {
    for (int o = 0; o < spec_.out_channels; ++o)
      for (int i = 0; i < this->input_shape().channels; ++i) {
        if (!connected(o, i)) continue;
        const T* source = dense + (std::size_t(o) * this->input_shape().channels + i) * kernel_area_;
        for (int k = 0; k < kernel_area_; ++k) packed[k] += source[k];
        packed += kernel_area_;
      }
  }

  ConvSpec spec_;
  int kernel_area_ = 0;
  std::size_t rows_ = 0;              // Cin·k·k
  std::size_t positions_ = 0;         // output height × width
  std::size_t padded_positions_ = 0;  // rounded up to whole_vectors
  std::size_t weight_count_ = 0;
  enum class Kernel { im2col, lanes, rows };
  Kernel kernel_ = Kernel::im2col;  // for the forward pass and the weight gradient
  bool fast_fold_ = false;          // the input gradient's fold on the vector kernel
};

// ---- 2×2 subsampling -----------------------------------------------------------------------------------
// Average or max of each non-overlapping 2×2 block. Trainable (the paper's S2, S4): a = c·(mean of the block)
// + b with one coefficient c and bias b per map; parameters are the maps' coefficients, then their biases.
// §II-B says the four inputs are "added", §II-A "averaged": the same up to a factor 4 in c, but the factor
// sets c's curvature and so its SDLM step. With the mean, the SDLM steps fall in the range the paper
// reports (docs/classic.md); with the sum they are 16 times smaller.
template <class T>
class Subsample final : public SquaringLayer<T> {
 public:
  Subsample(const SubsampleSpec& spec, Shape in)
      : SquaringLayer<T>(in, {in.channels, in.height / 2, in.width / 2}), spec_(spec) {}

  std::size_t parameter_count() const override { return spec_.trainable ? 2 * channels() : 0; }

  // The paper leaves the coefficients' initialisation open. They start at 1, a plain average: a random
  // coefficient near 0 (as the squashing units' ±2.4/√F rule would draw, ±1.2 for a fan-in of 4) starts
  // its map nearly dead, so the weights it feeds get no curvature and SDLM's capped step η/μ, outside the
  // range of effective rates the paper reports for pass 1 (docs/classic.md).
  void initialize(std::span<T> parameters, Rng&) const override {
    if (!spec_.trainable) return;
    std::fill(parameters.begin(), parameters.begin() + channels(), T(1));
    std::fill(parameters.begin() + channels(), parameters.end(), T(0));
  }

  std::size_t scratch_size(int batch) const override {
    return std::size_t(std::max(batch, 1)) * this->input_shape().size() / 2;
  }

  // Average: the horizontal pairs of every row of every map summed in one long pass, then the vertical
  // pairs of those, scaled: LeNet-5's rows are short (S4's outputs are 5 wide), so loops per row would cost
  // more than their arithmetic.
  void forward(const T* parameters, const T* in, T* out, int batch, T* scratch) const override {
    const Shape& is = this->input_shape();
    const Shape& os = this->output_shape();
    const std::size_t maps = std::size_t(batch) * os.channels, map_size = std::size_t(os.height) * os.width;
    if (spec_.pooling == Pooling::max) {
      for (std::size_t m = 0; m < maps; ++m)
        for (int y = 0; y < os.height; ++y) {
          const T* __restrict top = in + (m * is.height + 2 * y) * is.width;
          const T* __restrict bottom = top + is.width;
          T* __restrict target = out + (m * os.height + y) * os.width;
          for (int x = 0; x < os.width; ++x)
            target[x] = std::max(std::max(top[2 * x], top[2 * x + 1]), std::max(bottom[2 * x], bottom[2 * x + 1]));
        }
    } else {
      T* __restrict pairs = scratch;
      const std::size_t pair_count = maps * is.height * os.width;
#pragma omp simd
      for (std::size_t i = 0; i < pair_count; ++i) pairs[i] = in[2 * i] + in[2 * i + 1];
      for (std::size_t m = 0; m < maps; ++m) {
        const std::size_t map = m % os.channels;
        const T scale = T(0.25) * (spec_.trainable ? parameters[map] : T(1));
        const T offset = spec_.trainable ? parameters[channels() + map] : T(0);
        for (int y = 0; y < os.height; ++y) {
          const T* __restrict top = pairs + (m * is.height + 2 * y) * os.width;
          T* __restrict target = out + m * map_size + std::size_t(y) * os.width;
#pragma omp simd
          for (int x = 0; x < os.width; ++x) target[x] = scale * (top[x] + top[os.width + x]) + offset;
        }
      }
    }
    activate(spec_.activation, out, std::size_t(batch) * os.size());
  }

 private:
  std::size_t channels() const { return std::size_t(this->input_shape().channels); }

  // backward, or with `squared` the Gauss-Newton curvature pass (every derivative factor squared).
  void propagate(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                 int batch, T* scratch, bool squared) const override {
    const Shape& is = this->input_shape();
    const Shape& os = this->output_shape();
    const std::size_t maps = std::size_t(batch) * os.channels;
    activation_backward(spec_.activation, out, grad_out, maps * os.height * os.width, squared);
    const auto power = [squared](T factor) { return squared ? factor * factor : factor; };
    if (spec_.trainable) {
      for (std::size_t m = 0; m < maps; ++m) {
        T coefficient_grad = 0, bias_grad = 0;
        for (int y = 0; y < os.height; ++y) {
          const T* __restrict grad = grad_out + (m * os.height + y) * os.width;
          const T* __restrict top = in + (m * is.height + 2 * y) * is.width;
          const T* __restrict bottom = top + is.width;
          for (int x = 0; x < os.width; ++x) {
            const T a = top[2 * x], b = top[2 * x + 1], c = bottom[2 * x], d = bottom[2 * x + 1];
            if (squared) {
              // The curvature: eq. 25 without its off-diagonal terms counts each of the block's four
              // connections on its own, Σ ∂²E/∂a² · (x/4)², not ∂²E/∂a² · mean².
              coefficient_grad += grad[x] * T(0.0625) * (a * a + b * b + c * c + d * d);
            } else {
              const T mean = T(0.25) * (a + b + c + d);
              coefficient_grad += grad[x] * mean;
            }
            bias_grad += grad[x];
          }
        }
        grad_parameters[m % os.channels] += coefficient_grad;
        grad_parameters[channels() + m % os.channels] += bias_grad;
      }
    }
    if (!grad_in) return;
    if (spec_.pooling == Pooling::average) {
      // The forward's two passes in reverse: each output row's gradient, scaled, onto both input rows of
      // its blocks (as pairs), then every pair onto its two inputs in one long pass.
      T* __restrict pairs = scratch;
      for (std::size_t m = 0; m < maps; ++m) {
        const T factor = power(T(0.25) * (spec_.trainable ? parameters[m % os.channels] : T(1)));
        for (int y = 0; y < os.height; ++y) {
          const T* __restrict grad = grad_out + (m * os.height + y) * os.width;
          T* __restrict upper = pairs + (m * is.height + 2 * y) * os.width;
#pragma omp simd
          for (int x = 0; x < os.width; ++x) upper[x] = upper[os.width + x] = factor * grad[x];
        }
      }
      const std::size_t pair_count = maps * is.height * os.width;
#pragma omp simd
      for (std::size_t i = 0; i < pair_count; ++i) grad_in[2 * i] = grad_in[2 * i + 1] = pairs[i];
      return;
    }
    // Max: the gradient goes to the first maximum of each block, the one forward picked.
    for (std::size_t m = 0; m < maps; ++m)
      for (int y = 0; y < os.height; ++y) {
        const T* __restrict grad = grad_out + (m * os.height + y) * os.width;
        const std::size_t top = (m * is.height + 2 * y) * is.width, bottom = top + is.width;
        for (int x = 0; x < os.width; ++x) {
          const std::size_t block[4] = {top + 2 * x, top + 2 * x + 1, bottom + 2 * x, bottom + 2 * x + 1};
          std::size_t winner = block[0];
          for (std::size_t index : block) {
            grad_in[index] = T(0);
            if (in[index] > in[winner]) winner = index;
          }
          grad_in[winner] = grad[x];
        }
      }
  }

  SubsampleSpec spec_;
};

// ---- fully connected -----------------------------------------------------------------------------------
// Weights (outputs × inputs) then biases, the layout of PyTorch's nn.Linear.
template <class T>
class Dense final : public Layer<T> {
 public:
  Dense(const DenseSpec& spec, Shape in) : Layer<T>(in, {spec.out_features, 1, 1}), spec_(spec) {}

  std::size_t parameter_count() const override { return std::size_t(outputs()) * (inputs() + 1); }

  std::size_t scratch_size(int batch) const override {
    const std::size_t n = std::max(batch, 1), in = inputs(), out = outputs();
    const std::size_t squared = (out + n) * in;  // the curvature pass's squared weights and inputs
    const std::size_t columns = (in + out) * padded(n);  // the forward's transposed input and output
    return std::max(squared, columns) +
           std::max({kernels::matmul_scratch_size<T>(n, out, in), kernels::matmul_scratch_size<T>(out, in, n),
                     kernels::matmul_scratch_size<T>(n, in, out), kernels::matmul_scratch_size<T>(out, padded(n), in)});
  }

  void initialize(std::span<T> parameters, Rng& rng) const override {
    const std::size_t weights = std::size_t(outputs()) * inputs();
    initialize_weights(parameters.first(weights), spec_.activation, inputs(), rng);
    std::fill(parameters.begin() + weights, parameters.end(), T(0));
  }

  // A batch of at least kColumnsFrom is multiplied with the examples as columns, outᵀ = W · inᵀ: the matrix
  // kernel then broadcasts weights against whole vectors of examples, instead of summing dot products
  // across lanes, and the two transposes cost (I + O) copies per example against I·O multiply-adds.
  void forward(const T* parameters, const T* in, T* out, int batch, T* scratch) const override {
    const std::size_t I = inputs(), O = outputs(), n = std::size_t(batch);
    const T* bias = parameters + O * I;
    if (batch >= kColumnsFrom) {
      const std::size_t width = padded(n);
      T* in_columns = scratch;
      T* out_columns = in_columns + I * width;
      for (std::size_t i = 0; i < I; ++i) {
        for (std::size_t k = 0; k < n; ++k) in_columns[i * width + k] = in[k * I + i];
        std::fill(in_columns + i * width + n, in_columns + (i + 1) * width, T(0));
      }
      // outᵀ(O × width) = W(O × I) · inᵀ(I × width)
      kernels::matmul<T>(O, width, I, {parameters, I}, {in_columns, width}, out_columns, width, false,
                         out_columns + O * width);
      for (std::size_t k = 0; k < n; ++k)
        for (std::size_t o = 0; o < O; ++o) out[k * O + o] = out_columns[o * width + k] + bias[o];
    } else {
      for (std::size_t k = 0; k < n; ++k) std::copy(bias, bias + O, out + k * O);
      // out(batch × O) += in(batch × I) · Wᵀ
      kernels::matmul<T>(batch, O, I, {in, I}, {parameters, I, true}, out, O, true, scratch);
    }
    activate(spec_.activation, out, n * O);
  }

  void backward(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                int batch, T* scratch) const override {
    propagate(parameters, in, out, grad_out, grad_in, grad_parameters, batch, scratch, false);
  }

  void backward_curvature(const T* parameters, const T* in, const T* out, const T*, T* curvature_out,
                          T* curvature_in, T* curvature_parameters, int batch, T* scratch) const override {
    const std::size_t I = inputs(), O = outputs();
    T* squared_weights = scratch;
    T* squared_in = scratch + O * I;
    square(parameters, squared_weights, O * I);
    square(in, squared_in, batch * I);
    // The biases' entries are not read by propagate: it finds them after the weights, in the real buffer.
    propagate(squared_weights, squared_in, out, curvature_out, curvature_in, curvature_parameters, batch,
              squared_in + batch * I, true);
  }

 private:
  // backward, or with `squared` the Gauss-Newton curvature pass given squared weights and inputs.
  void propagate(const T* weights, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                 int batch, T* scratch, bool squared) const {
    const std::size_t I = inputs(), O = outputs();
    const T* parameters = weights;
    activation_backward(spec_.activation, out, grad_out, batch * O, squared);
    T* grad_bias = grad_parameters + O * I;
    for (int n = 0; n < batch; ++n)
      for (std::size_t o = 0; o < O; ++o) grad_bias[o] += grad_out[n * O + o];
    // dW(O × I) += doutᵀ · in;  din(batch × I) = dout · W
    kernels::matmul<T>(O, I, batch, {grad_out, O, true}, {in, I}, grad_parameters, I, true, scratch);
    if (grad_in) kernels::matmul<T>(batch, I, O, {grad_out, O}, {parameters, I}, grad_in, I, false, scratch);
  }

  static constexpr int kColumnsFrom = 8;
  // Examples as columns are padded to whole vectors.
  static std::size_t padded(std::size_t batch) { return whole_vectors(std::max<std::size_t>(batch, 1)); }
  int inputs() const { return this->input_shape().size(); }
  int outputs() const { return spec_.out_features; }
  DenseSpec spec_;
};

// ---- Euclidean RBF output (eq. 7) ----------------------------------------------------------------------
// y_i = Σ_j (x_j − w_ij)² with the fixed ±1 prototypes w of rbf_prototypes(): no trainable parameters.
template <class T>
class Rbf final : public Layer<T> {
 public:
  Rbf(const RbfSpec& spec, Shape in) : Layer<T>(in, {spec.classes, 1, 1}) {
    const std::vector<float> prototypes = rbf_prototypes();
    prototypes_.assign(prototypes.begin(), prototypes.end());
  }

  std::size_t parameter_count() const override { return 0; }
  void initialize(std::span<T>, Rng&) const override {}

  void forward(const T*, const T* in, T* out, int batch, T*) const override {
    for (int n = 0; n < batch; ++n)
      for (int i = 0; i < classes(); ++i) {
        const T* x = in + std::size_t(n) * kPrototypeSize;
        const T* w = prototypes_.data() + std::size_t(i) * kPrototypeSize;
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j < kPrototypeSize; ++j) sum += (x[j] - w[j]) * (x[j] - w[j]);
        out[std::size_t(n) * classes() + i] = sum;
      }
  }

  // dE/dx_j = Σ_i dE/dy_i · 2(x_j − w_ij)
  void backward(const T*, const T* in, const T*, T* grad_out, T* grad_in, T*, int batch, T*) const override {
    if (!grad_in) return;
    for_each_input(batch, in, [&](std::size_t n, int j, const auto& difference) {
      T sum = 0;
      for (int i = 0; i < classes(); ++i) sum += grad_out[n * classes() + i] * T(2) * difference(i);
      grad_in[n * kPrototypeSize + j] = sum;
    });
  }

  // ∂²E/∂x_j² = Σ_i [∂²E/∂y_i² · (2(x_j − w_ij))² + dE/dy_i · 2]. For the MSE criterion (dE/dy = 1 for the
  // correct class only) this is the paper's 2 (App. C); the losses' ∂²E/∂y² and dE/dy keep it ≥ 0.
  void backward_curvature(const T*, const T* in, const T*, const T* grad_out, T* curvature_out, T* curvature_in,
                          T*, int batch, T*) const override {
    if (!curvature_in) return;
    for_each_input(batch, in, [&](std::size_t n, int j, const auto& difference) {
      T sum = 0;
      for (int i = 0; i < classes(); ++i) {
        const T slope = T(2) * difference(i);
        sum += curvature_out[n * classes() + i] * slope * slope + (grad_out ? T(2) * grad_out[n * classes() + i] : T(0));
      }
      curvature_in[n * kPrototypeSize + j] = sum;
    });
  }

 private:
  int classes() const { return this->output_shape().channels; }

  // Calls visit(sample, input j, difference) where difference(i) = x_j − w_ij.
  template <class Visit>
  void for_each_input(int batch, const T* in, Visit visit) const {
    for (std::size_t n = 0; n < std::size_t(batch); ++n)
      for (int j = 0; j < kPrototypeSize; ++j) {
        const T x = in[n * kPrototypeSize + j];
        visit(n, j, [&](int i) { return x - prototypes_[std::size_t(i) * kPrototypeSize + j]; });
      }
  }

  std::vector<T> prototypes_;
};

}  // namespace

template <class T>
std::unique_ptr<Layer<T>> make_layer(const LayerSpec& spec, Shape input) {
  if (const auto* conv = std::get_if<ConvSpec>(&spec.op)) {
    // A full convolution whose kernel covers its whole input (C5) is a fully connected layer with the same
    // weight layout ([out][channel][y][x] = [out][input]) and the same fan-in.
    if (conv->connections.empty() && conv->kernel == input.height && conv->kernel == input.width)
      return std::make_unique<Dense<T>>(DenseSpec{conv->out_channels, conv->activation}, input);
    return std::make_unique<Conv<T>>(*conv, input);
  }
  if (const auto* sub = std::get_if<SubsampleSpec>(&spec.op)) return std::make_unique<Subsample<T>>(*sub, input);
  if (const auto* rbf = std::get_if<RbfSpec>(&spec.op)) return std::make_unique<Rbf<T>>(*rbf, input);
  return std::make_unique<Dense<T>>(std::get<DenseSpec>(spec.op), input);
}

template std::unique_ptr<Layer<float>> make_layer<float>(const LayerSpec&, Shape);
template std::unique_ptr<Layer<double>> make_layer<double>(const LayerSpec&, Shape);

}  // namespace lenet5::nn
