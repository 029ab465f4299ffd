#pragma once
// One instruction-set build of the kernels: sgemm_<isa>.cpp defines LENET5_ISA_NAMESPACE and LENET5_ISA_BUILD
// and includes this; CMakeLists.txt gives each file its -m flags.
#include "kernels/sgemm_impl.hpp"
#include "kernels/conv_impl.hpp"
#include "kernels/sgemm_variants.hpp"

namespace lenet5::kernels {

KernelSet LENET5_ISA_BUILD() {
  namespace isa = LENET5_ISA_NAMESPACE;
  return {LENET5_ISA_NAME,        isa::sgemm,          isa::scratch_size,
          isa::conv_lanes_fits,   isa::conv_lanes_forward, isa::conv_lanes_weight_grad,
          isa::conv_rows_fits,    isa::conv_rows_forward,  isa::conv_rows_weight_grad,
          isa::conv_fold_fits,    isa::conv_fold};
}

}  // namespace lenet5::kernels
