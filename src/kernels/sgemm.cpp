// Chooses the sgemm build for this CPU once, at first use.
#include <cstdlib>
#include <string>

#include "kernels/sgemm_variants.hpp"
#include "lenet5/error.hpp"

namespace lenet5::kernels {

namespace {

struct Implementation {
  std::string name;
  decltype(&sgemm_generic) multiply;
  decltype(&sgemm_scratch_size_generic) scratch_size;
};

Implementation choose() {
  const Implementation all[] = {{"avx512", sgemm_avx512, sgemm_scratch_size_avx512},
                                {"avx2", sgemm_avx2, sgemm_scratch_size_avx2},
                                {"generic", sgemm_generic, sgemm_scratch_size_generic}};
  if (const char* wanted = std::getenv("LENET5_ISA"); wanted && *wanted) {
    for (const auto& implementation : all)
      if (implementation.name == wanted) {
        if (!cpu_supports(wanted)) throw Error("LENET5_ISA=" + std::string(wanted) + ": this CPU does not support it");
        return implementation;
      }
    throw Error("LENET5_ISA=" + std::string(wanted) + " is not one of avx512, avx2, generic");
  }
  for (const auto& implementation : all)
    if (cpu_supports(implementation.name.c_str())) return implementation;
  return all[2];
}

const Implementation& implementation() {
  static const Implementation chosen = choose();
  return chosen;
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
  return implementation().scratch_size(M, N, K);
}

void sgemm(std::size_t M, std::size_t N, std::size_t K, Operand<float> A, Operand<float> B, float* C, std::size_t ldc,
           bool accumulate, float* scratch) {
  implementation().multiply(M, N, K, A, B, C, ldc, accumulate, scratch);
}

std::string active_isa() { return implementation().name; }

}  // namespace lenet5::kernels
