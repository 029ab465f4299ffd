// Google Benchmark microbenchmarks: the machine's FP32 FMA peak, the direct convolution kernels alone at
// C1's and C3's shapes, and every layer of the modern preset forward and backward at a training batch, each
// reporting FLOP/s. Run: build/lenet5_kernel_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "kernels/conv.hpp"
#include "kernels/matmul.hpp"
#include "lenet5/network_spec.hpp"
#include "nn/network.hpp"

namespace {

using lenet5::nn::Network;

// Independent FMA chains on the widest vectors this build has: what one core can do at best.
void BM_FmaPeak(benchmark::State& state) {
  using Vector = float __attribute__((vector_size(64)));
  constexpr int kChains = 16;
  Vector acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = Vector{} + float(i);
  const Vector a = Vector{} + 0.999f, b = Vector{} + 0.001f;
  constexpr long kIterations = 1 << 16;
  for (auto _ : state) {
    for (long n = 0; n < kIterations; ++n)
      for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * a + b;
    benchmark::DoNotOptimize(acc);
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(double(state.iterations()) * kIterations * kChains * 16 * 2, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FmaPeak);

// One sample through a direct convolution kernel (kernels/conv.hpp) of the CPU's build, at C1's shape
// (1@32×32 → 6 maps, rows kernels) or C3's (6@14×14 → 16 maps, lanes kernels). FLOP/s count the dense
// multiply-adds, 2 · maps · channels · 25 · positions.
struct ConvKernelFixture {
  lenet5::kernels::ConvShape shape;
  std::vector<float> in, weights, out, grad, grad_weights;
  double flops;

  explicit ConvKernelFixture(bool c3)
      : shape(c3 ? lenet5::kernels::ConvShape{6, 14, 14, 16} : lenet5::kernels::ConvShape{1, 32, 32, 6}) {
    const std::size_t positions = std::size_t(shape.height - 4) * (shape.width - 4);
    const std::size_t rows = std::size_t(shape.channels) * 25;
    lenet5::Rng rng(2);
    in.resize(std::size_t(shape.channels) * shape.height * shape.width);
    for (float& x : in) x = rng.uniform(-1.0f, 1.0f);
    weights.resize(rows * shape.out_channels);
    for (float& x : weights) x = rng.uniform(-0.2f, 0.2f);
    out.resize(positions * shape.out_channels);
    grad.assign(out.size(), 0.01f);
    grad_weights.assign(weights.size(), 0.0f);
    flops = 2.0 * double(rows) * double(shape.out_channels) * double(positions);
  }
};

// Times `run(fixture)` at C1's shape (argument 1, rows kernels) or C3's (argument 3, lanes kernels).
template <class Run>
void time_conv_kernel(benchmark::State& state, Run run) {
  ConvKernelFixture f(state.range(0) == 3);
  for (auto _ : state) {
    run(f, state.range(0) == 3);
    benchmark::ClobberMemory();
  }
  state.SetLabel(state.range(0) == 3 ? "C3 lanes" : "C1 rows");
  state.counters["FLOP/s"] = benchmark::Counter(f.flops * double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_ConvKernelForward(benchmark::State& state) {
  time_conv_kernel(state, [](ConvKernelFixture& f, bool lanes) {
    if (lanes)
      lenet5::kernels::conv_lanes_forward(f.shape, f.in.data(), f.weights.data(), f.out.data());
    else
      lenet5::kernels::conv_rows_forward(f.shape, f.in.data(), f.weights.data(), f.out.data());
  });
}

void BM_ConvKernelWeightGradient(benchmark::State& state) {
  time_conv_kernel(state, [](ConvKernelFixture& f, bool lanes) {
    if (lanes)
      lenet5::kernels::conv_lanes_weight_grad(f.shape, f.in.data(), f.grad.data(), f.grad_weights.data());
    else
      lenet5::kernels::conv_rows_weight_grad(f.shape, f.in.data(), f.grad.data(), 1, f.grad_weights.data());
  });
}
BENCHMARK(BM_ConvKernelForward)->Arg(1)->Arg(3);
BENCHMARK(BM_ConvKernelWeightGradient)->Arg(1)->Arg(3);

// C3's input-gradient fold (col2im) for one sample: no arithmetic worth counting, so bytes per second of
// unfolded columns read.
void BM_ConvKernelFold(benchmark::State& state) {
  const lenet5::kernels::ConvShape shape{6, 14, 14, 16};
  const std::size_t stride = 112;  // positions padded as the layer pads them
  std::vector<float> columns(150 * stride, 0.5f), grad_in(6 * 14 * 14);
  for (auto _ : state) {
    lenet5::kernels::conv_fold(shape, columns.data(), stride, grad_in.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel("C3 fold");
  state.SetBytesProcessed(std::int64_t(state.iterations()) * 150 * 100 * std::int64_t(sizeof(float)));
}
BENCHMARK(BM_ConvKernelFold);

struct LayerFixture {
  Network<float> network{lenet5::modern_preset()};
  std::vector<float> parameters = std::vector<float>(network.parameter_count());
  std::vector<float> input, grad_parameters = std::vector<float>(network.parameter_count());
  Network<float>::Workspace workspace;
  std::vector<float> scratch, out, grad_out, grad_in;
  int batch;

  explicit LayerFixture(int batch_size) : batch(batch_size) {
    lenet5::Rng rng(1);
    network.initialize(parameters, rng);
    input.resize(std::size_t(batch) * network.input_size());
    for (float& x : input) x = rng.uniform(-0.4f, 2.8f);
    workspace = network.make_workspace(batch, true);
    network.forward(parameters.data(), input.data(), batch, workspace);
    std::size_t widest = 0, scratch_size = 0;
    for (std::size_t i = 0; i < network.layer_count(); ++i) {
      widest = std::max<std::size_t>(widest, network.layer(i).output_shape().size());
      widest = std::max<std::size_t>(widest, network.layer(i).input_shape().size());
      scratch_size = std::max(scratch_size, network.layer(i).scratch_size(batch));
    }
    scratch.resize(scratch_size);
    out.resize(widest * batch);
    grad_out.resize(widest * batch, 0.01f);
    grad_in.resize(widest * batch);
  }
  const float* layer_input(std::size_t i) const { return i == 0 ? input.data() : network.activation(workspace, i - 1); }
};

// Multiply-adds per image of layer `index` (what summarize() calls connections).
double layer_flops(std::size_t index) { return 2.0 * double(lenet5::summarize(lenet5::modern_preset())[index].connections); }

void BM_LayerForward(benchmark::State& state) {
  LayerFixture f(static_cast<int>(state.range(1)));
  const std::size_t i = static_cast<std::size_t>(state.range(0));
  const auto& layer = f.network.layer(i);
  for (auto _ : state) {
    layer.forward(f.parameters.data() + f.network.parameter_offset(i), f.layer_input(i), f.out.data(), f.batch,
                  f.scratch.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(lenet5::modern_preset().layers[i].name);
  state.counters["FLOP/s"] = benchmark::Counter(layer_flops(i) * f.batch * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

// Backward does twice forward's arithmetic (weight and input gradients; C1 needs no input gradient).
void BM_LayerBackward(benchmark::State& state) {
  LayerFixture f(static_cast<int>(state.range(1)));
  const std::size_t i = static_cast<std::size_t>(state.range(0));
  const auto& layer = f.network.layer(i);
  for (auto _ : state) {
    layer.backward(f.parameters.data() + f.network.parameter_offset(i), f.layer_input(i),
                   f.network.activation(f.workspace, i), f.grad_out.data(), i == 0 ? nullptr : f.grad_in.data(),
                   f.grad_parameters.data() + f.network.parameter_offset(i), f.batch, f.scratch.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(lenet5::modern_preset().layers[i].name);
  state.counters["FLOP/s"] = benchmark::Counter((i == 0 ? 1.0 : 2.0) * layer_flops(i) * f.batch *
                                                    double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

void layer_arguments(benchmark::internal::Benchmark* benchmark) {
  for (int layer = 0; layer < 7; ++layer) benchmark->Args({layer, 32});
}
BENCHMARK(BM_LayerForward)->Apply(layer_arguments);
BENCHMARK(BM_LayerBackward)->Apply(layer_arguments);

// The whole network, one image at a time: the latency path.
void BM_NetworkForwardOneImage(benchmark::State& state) {
  LayerFixture f(1);
  auto workspace = f.network.make_workspace(1, false);
  for (auto _ : state) benchmark::DoNotOptimize(f.network.forward(f.parameters.data(), f.input.data(), 1, workspace));
  double flops = 0;
  for (std::size_t i = 0; i < f.network.layer_count(); ++i) flops += layer_flops(i);
  state.counters["FLOP/s"] = benchmark::Counter(flops * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NetworkForwardOneImage);

}  // namespace

BENCHMARK_MAIN();
