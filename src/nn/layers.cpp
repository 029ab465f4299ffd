#include "nn/layers.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/gemm.hpp"
#include "nn/activation.hpp"

namespace lenet5::nn {
namespace {

// Initial weights are uniform in ±bound (biases start at 0). ReLU units get He's bound √(6/F) so the
// signal keeps its variance through the stack; squashing units get the paper's ±2.4/F (App. A), F the
// fan-in; linear outputs get 1/√F.
template <class T>
void initialize_weights(std::span<T> weights, const std::optional<Activation>& activation, int fan_in, Rng& rng) {
  double bound = 1.0 / std::sqrt(double(fan_in));
  if (activation == Activation::relu) bound = std::sqrt(6.0 / fan_in);
  if (activation == Activation::scaled_tanh || activation == Activation::logistic) bound = 2.4 / fan_in;
  for (T& w : weights) w = T(rng.uniform(-float(bound), float(bound)));
}

// ---- convolution ---------------------------------------------------------------------------------------
// Lowered to a matrix product: a group of samples is unfolded into columns (im2col), so that
// out(Cout × group·P) = W(Cout × Cin·k·k) · columns. Groups hold enough samples for ≥ kMinColumns columns,
// which keeps the product efficient for C5's 1×1 output as well as C1's 28×28. A connection table is a
// mask: its weights are scattered into a dense matrix whose unconnected entries are zero.
template <class T>
class Conv final : public Layer<T> {
 public:
  Conv(const ConvSpec& spec, Shape in)
      : Layer<T>(in, {spec.out_channels, in.height - spec.kernel + 1, in.width - spec.kernel + 1}), spec_(spec) {
    kernel_area_ = spec.kernel * spec.kernel;
    rows_ = in.channels * kernel_area_;
    positions_ = this->output_shape().height * this->output_shape().width;
    for (int o = 0; o < spec.out_channels; ++o)
      for (int i = 0; i < in.channels; ++i) weight_count_ += connected(o, i) ? kernel_area_ : 0;
  }

  std::size_t parameter_count() const override { return weight_count_ + spec_.out_channels; }

  std::size_t scratch_size(int batch) const override {
    const std::size_t columns = std::size_t(group_size(batch)) * positions_;
    const std::size_t dense_weights = has_table() ? 2 * std::size_t(spec_.out_channels) * rows_ : 0;
    return dense_weights + (rows_ + spec_.out_channels) * columns;
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
    const int out_channels = spec_.out_channels;
    const T* weights = parameters;
    if (has_table()) {
      scatter_table_weights(parameters, scratch);
      weights = scratch;
      scratch += 2 * std::size_t(out_channels) * rows_;
    }
    const T* bias = parameters + weight_count_;
    const int group = group_size(batch);
    T* columns = scratch;
    T* products = scratch + std::size_t(rows_) * group * positions_;
    for (int first = 0; first < batch; first += group) {
      const int samples = std::min(group, batch - first);
      const std::size_t width = std::size_t(samples) * positions_;
      unfold(in + std::size_t(first) * this->input_shape().size(), samples, columns);
      std::fill(products, products + out_channels * width, T(0));
      kernels::gemm_nn<T>(out_channels, width, rows_, weights, columns, products);
      for (int s = 0; s < samples; ++s)
        for (int o = 0; o < out_channels; ++o) {
          T* target = out + (std::size_t(first + s) * out_channels + o) * positions_;
          const T* source = products + o * width + std::size_t(s) * positions_;
          for (int p = 0; p < positions_; ++p) target[p] = source[p] + bias[o];
        }
    }
    activate(spec_.activation, out, std::size_t(batch) * this->output_shape().size());
  }

  void backward(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                int batch, T* scratch) const override {
    const int out_channels = spec_.out_channels;
    activation_backward(spec_.activation, out, grad_out, std::size_t(batch) * this->output_shape().size());
    const T* weights = parameters;
    T* grad_weights = grad_parameters;
    if (has_table()) {
      scatter_table_weights(parameters, scratch);
      weights = scratch;
      grad_weights = scratch + std::size_t(out_channels) * rows_;
      std::fill(grad_weights, grad_weights + std::size_t(out_channels) * rows_, T(0));
      scratch += 2 * std::size_t(out_channels) * rows_;
    }
    T* grad_bias = grad_parameters + weight_count_;
    if (grad_in) std::fill(grad_in, grad_in + std::size_t(batch) * this->input_shape().size(), T(0));
    const int group = group_size(batch);
    T* columns = scratch;
    T* grad_products = scratch + std::size_t(rows_) * group * positions_;
    for (int first = 0; first < batch; first += group) {
      const int samples = std::min(group, batch - first);
      const std::size_t width = std::size_t(samples) * positions_;
      for (int s = 0; s < samples; ++s)
        for (int o = 0; o < out_channels; ++o)
          std::memcpy(grad_products + o * width + std::size_t(s) * positions_,
                      grad_out + (std::size_t(first + s) * out_channels + o) * positions_, positions_ * sizeof(T));
      for (int o = 0; o < out_channels; ++o) {
        T sum = 0;
        const T* row = grad_products + o * width;
        for (std::size_t j = 0; j < width; ++j) sum += row[j];
        grad_bias[o] += sum;
      }
      unfold(in + std::size_t(first) * this->input_shape().size(), samples, columns);
      kernels::gemm_nt<T>(out_channels, rows_, width, grad_products, columns, grad_weights);
      if (grad_in) {
        std::fill(columns, columns + rows_ * width, T(0));
        kernels::gemm_tn<T>(rows_, width, out_channels, weights, grad_products, columns);
        fold(columns, samples, grad_in + std::size_t(first) * this->input_shape().size());
      }
    }
    if (has_table()) gather_table_weights(grad_weights, grad_parameters);
  }

 private:
  bool has_table() const { return !spec_.connections.empty(); }
  bool connected(int out_channel, int in_channel) const {
    return !has_table() || spec_.connections[out_channel][in_channel];
  }
  int group_size(int batch) const {
    constexpr int kMinColumns = 256;
    return std::clamp((kMinColumns + positions_ - 1) / positions_, 1, std::max(batch, 1));
  }

  // columns(rows_ × samples·P): row (c, ky, kx), column (sample, oy, ox) = in[sample][c][oy+ky][ox+kx]
  void unfold(const T* in, int samples, T* columns) const {
    const Shape& is = this->input_shape();
    const Shape& os = this->output_shape();
    const std::size_t width = std::size_t(samples) * positions_;
    for (int c = 0; c < is.channels; ++c)
      for (int ky = 0; ky < spec_.kernel; ++ky)
        for (int kx = 0; kx < spec_.kernel; ++kx) {
          T* row = columns + ((c * spec_.kernel + ky) * spec_.kernel + kx) * width;
          for (int s = 0; s < samples; ++s)
            for (int oy = 0; oy < os.height; ++oy) {
              const T* source = in + ((std::size_t(s) * is.channels + c) * is.height + oy + ky) * is.width + kx;
              std::memcpy(row + std::size_t(s) * positions_ + oy * os.width, source, os.width * sizeof(T));
            }
        }
  }

  // The adjoint of unfold: adds every column entry back onto the input position it came from.
  void fold(const T* columns, int samples, T* grad_in) const {
    const Shape& is = this->input_shape();
    const Shape& os = this->output_shape();
    const std::size_t width = std::size_t(samples) * positions_;
    for (int c = 0; c < is.channels; ++c)
      for (int ky = 0; ky < spec_.kernel; ++ky)
        for (int kx = 0; kx < spec_.kernel; ++kx) {
          const T* row = columns + ((c * spec_.kernel + ky) * spec_.kernel + kx) * width;
          for (int s = 0; s < samples; ++s)
            for (int oy = 0; oy < os.height; ++oy) {
              T* target = grad_in + ((std::size_t(s) * is.channels + c) * is.height + oy + ky) * is.width + kx;
              const T* source = row + std::size_t(s) * positions_ + oy * os.width;
              for (int ox = 0; ox < os.width; ++ox) target[ox] += source[ox];
            }
        }
  }

  void scatter_table_weights(const T* packed, T* dense) const {
    for (int o = 0; o < spec_.out_channels; ++o)
      for (int i = 0; i < this->input_shape().channels; ++i) {
        T* target = dense + (std::size_t(o) * this->input_shape().channels + i) * kernel_area_;
        if (connected(o, i)) {
          std::memcpy(target, packed, kernel_area_ * sizeof(T));
          packed += kernel_area_;
        } else {
          std::fill(target, target + kernel_area_, T(0));
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
  int rows_ = 0;       // Cin·k·k
  int positions_ = 0;  // output height × width
  std::size_t weight_count_ = 0;
};

// ---- 2×2 subsampling -----------------------------------------------------------------------------------
template <class T>
class Subsample final : public Layer<T> {
 public:
  Subsample(const SubsampleSpec& spec, Shape in)
      : Layer<T>(in, {in.channels, in.height / 2, in.width / 2}), spec_(spec) {}

  std::size_t parameter_count() const override { return 0; }
  void initialize(std::span<T>, Rng&) const override {}

  void forward(const T*, const T* in, T* out, int batch, T*) const override {
    const Shape& os = this->output_shape();
    const int in_width = this->input_shape().width;
    const std::size_t maps = std::size_t(batch) * os.channels;
    for (std::size_t m = 0; m < maps; ++m) {
      const T* source = in + m * this->input_shape().height * in_width;
      T* target = out + m * os.height * os.width;
      for (int y = 0; y < os.height; ++y)
        for (int x = 0; x < os.width; ++x) {
          const T* block = source + 2 * y * in_width + 2 * x;
          const T a = block[0], b = block[1], c = block[in_width], d = block[in_width + 1];
          target[y * os.width + x] = spec_.pooling == Pooling::average ? T(0.25) * (a + b + c + d)
                                                                       : std::max(std::max(a, b), std::max(c, d));
        }
    }
    activate(spec_.activation, out, std::size_t(batch) * os.size());
  }

  void backward(const T*, const T* in, const T* out, T* grad_out, T* grad_in, T*, int batch, T*) const override {
    const Shape& os = this->output_shape();
    activation_backward(spec_.activation, out, grad_out, std::size_t(batch) * os.size());
    if (!grad_in) return;
    const int in_width = this->input_shape().width;
    const std::size_t maps = std::size_t(batch) * os.channels;
    for (std::size_t m = 0; m < maps; ++m) {
      const T* source = in + m * this->input_shape().height * in_width;
      T* target = grad_in + m * this->input_shape().height * in_width;
      const T* grad = grad_out + m * os.height * os.width;
      for (int y = 0; y < os.height; ++y)
        for (int x = 0; x < os.width; ++x) {
          const std::size_t corner = 2 * y * in_width + 2 * x;
          const std::size_t block[4] = {corner, corner + 1, corner + in_width, corner + in_width + 1};
          const T g = grad[y * os.width + x];
          if (spec_.pooling == Pooling::average) {
            for (std::size_t index : block) target[index] = T(0.25) * g;
          } else {
            // The gradient goes to the first maximum, the one forward picked.
            std::size_t winner = block[0];
            for (std::size_t index : block) {
              target[index] = T(0);
              if (source[index] > source[winner]) winner = index;
            }
            target[winner] = g;
          }
        }
    }
  }

 private:
  SubsampleSpec spec_;
};

// ---- fully connected -----------------------------------------------------------------------------------
// Weights (outputs × inputs) then biases, the layout of PyTorch's nn.Linear.
template <class T>
class Dense final : public Layer<T> {
 public:
  Dense(const DenseSpec& spec, Shape in) : Layer<T>(in, {spec.out_features, 1, 1}), spec_(spec) {}

  std::size_t parameter_count() const override { return std::size_t(outputs()) * (inputs() + 1); }

  void initialize(std::span<T> parameters, Rng& rng) const override {
    const std::size_t weights = std::size_t(outputs()) * inputs();
    initialize_weights(parameters.first(weights), spec_.activation, inputs(), rng);
    std::fill(parameters.begin() + weights, parameters.end(), T(0));
  }

  void forward(const T* parameters, const T* in, T* out, int batch, T*) const override {
    const T* bias = parameters + std::size_t(outputs()) * inputs();
    for (int n = 0; n < batch; ++n) std::copy(bias, bias + outputs(), out + std::size_t(n) * outputs());
    kernels::gemm_nt<T>(batch, outputs(), inputs(), in, parameters, out);
    activate(spec_.activation, out, std::size_t(batch) * outputs());
  }

  void backward(const T* parameters, const T* in, const T* out, T* grad_out, T* grad_in, T* grad_parameters,
                int batch, T*) const override {
    activation_backward(spec_.activation, out, grad_out, std::size_t(batch) * outputs());
    T* grad_bias = grad_parameters + std::size_t(outputs()) * inputs();
    for (int n = 0; n < batch; ++n)
      for (int o = 0; o < outputs(); ++o) grad_bias[o] += grad_out[std::size_t(n) * outputs() + o];
    kernels::gemm_tn<T>(outputs(), inputs(), batch, grad_out, in, grad_parameters);
    if (grad_in) {
      std::fill(grad_in, grad_in + std::size_t(batch) * inputs(), T(0));
      kernels::gemm_nn<T>(batch, inputs(), outputs(), grad_out, parameters, grad_in);
    }
  }

 private:
  int inputs() const { return this->input_shape().size(); }
  int outputs() const { return spec_.out_features; }
  DenseSpec spec_;
};

}  // namespace

template <class T>
std::unique_ptr<Layer<T>> make_layer(const LayerSpec& spec, Shape input) {
  if (const auto* conv = std::get_if<ConvSpec>(&spec.op)) return std::make_unique<Conv<T>>(*conv, input);
  if (const auto* sub = std::get_if<SubsampleSpec>(&spec.op)) return std::make_unique<Subsample<T>>(*sub, input);
  return std::make_unique<Dense<T>>(std::get<DenseSpec>(spec.op), input);
}

template std::unique_ptr<Layer<float>> make_layer<float>(const LayerSpec&, Shape);
template std::unique_ptr<Layer<double>> make_layer<double>(const LayerSpec&, Shape);

}  // namespace lenet5::nn
