// Chooses the kernels' build for this CPU once, at first use.
#include <cstdlib>
#include <string>

#include "kernels/sgemm_variants.hpp"
#include "lenet5/error.hpp"

namespace lenet5::kernels {

namespace {

// The builds, the preferred first. Off x86 (WebAssembly, whose build compiles no x86 kernels, or Arm) the
// portable one is all there is.
#if defined(__x86_64__) || defined(__i386__)
const KernelSet* const kBuilds[] = {&kernels_avx512, &kernels_avx2, &kernels_generic};
#else
const KernelSet* const kBuilds[] = {&kernels_generic};
#endif

const KernelSet& choose() {
  if (const char* wanted = std::getenv("LENET5_ISA"); wanted && *wanted) {
    std::string names;
    for (const KernelSet* build : kBuilds) {
      if (std::string(build->isa) == wanted) {
        if (!cpu_supports(wanted)) throw Error("LENET5_ISA=" + std::string(wanted) + ": this CPU does not support it");
        return *build;
      }
      names += (names.empty() ? "" : ", ") + std::string(build->isa);
    }
    throw Error("LENET5_ISA=" + std::string(wanted) + " is not one of " + names);
  }
  for (const KernelSet* build : kBuilds)
    if (cpu_supports(build->isa)) return *build;
  return kernels_generic;
}

const KernelSet& chosen() {
  static const KernelSet& build = choose();
  return build;
}

}  // namespace

bool cpu_supports(const char* isa_name) {
  const std::string isa = isa_name;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (isa == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  if (isa == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == "generic";
}

std::size_t sgemm_scratch_size(std::size_t M, std::size_t N, std::size_t K) {
  return chosen().sgemm_scratch_size(M, N, K);
}

void sgemm(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C, std::size_t ldc,
           bool accumulate, float* scratch) {
  chosen().sgemm(M, N, K, A, B, C, ldc, accumulate, scratch);
}

bool conv_lanes_fits(int out_channels, int kernel) { return chosen().conv_lanes_fits(out_channels, kernel); }

void conv_lanes_forward(const ConvShape& shape, const float* in, const float* weights, float* out) {
  chosen().conv_lanes_forward(shape, in, weights, out);
}

void conv_lanes_weight_grad(const ConvShape& shape, const float* in, const float* grad, float* grad_weights) {
  chosen().conv_lanes_weight_grad(shape, in, grad, grad_weights);
}

bool conv_rows_fits(const ConvShape& shape, int kernel) { return chosen().conv_rows_fits(shape, kernel); }

void conv_rows_forward(const ConvShape& shape, const float* in, const float* weights, float* out) {
  chosen().conv_rows_forward(shape, in, weights, out);
}

void conv_rows_weight_grad(const ConvShape& shape, const float* in, const float* grad, int samples,
                           float* grad_weights) {
  chosen().conv_rows_weight_grad(shape, in, grad, samples, grad_weights);
}

bool conv_fold_fits(const ConvShape& shape, int kernel) { return chosen().conv_fold_fits(shape, kernel); }

void conv_fold(const ConvShape& shape, const float* columns, std::size_t stride, float* grad_in) {
  chosen().conv_fold(shape, columns, stride, grad_in);
}

std::string active_isa() { return chosen().isa; }

}  // namespace lenet5::kernels
