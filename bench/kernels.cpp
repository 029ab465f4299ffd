// Google Benchmark microbenchmarks: the machine's FP32 FMA peak, and every layer of the modern preset forward
// and backward at a training batch, each reporting FLOP/s. Run: build/lenet5_kernel_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "core/rng.hpp"
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
