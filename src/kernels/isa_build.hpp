#pragma once
// One instruction-set build of the kernels: sgemm_<isa>.cpp defines LENET5_ISA_NAMESPACE and LENET5_ISA_BUILD
// and includes this; CMakeLists.txt gives each file its -m flags.
#include "kernels/sgemm_impl.hpp"
#include "kernels/conv_impl.hpp"
#include "kernels/sgemm_variants.hpp"

namespace lenet5::kernels {

// Constant-initialised data: no code of this file runs until a CPU check has chosen it (copying a struct
// here would already use this build's instructions).
constinit const KernelSet LENET5_ISA_BUILD = {
    LENET5_ISA_NAME,
    LENET5_ISA_NAMESPACE::sgemm,
    LENET5_ISA_NAMESPACE::scratch_size,
    LENET5_ISA_NAMESPACE::conv_lanes_fits,
    LENET5_ISA_NAMESPACE::conv_lanes_forward,
    LENET5_ISA_NAMESPACE::conv_lanes_weight_grad,
    LENET5_ISA_NAMESPACE::conv_rows_fits,
    LENET5_ISA_NAMESPACE::conv_rows_forward,
    LENET5_ISA_NAMESPACE::conv_rows_weight_grad,
    LENET5_ISA_NAMESPACE::conv_fold_fits,
    LENET5_ISA_NAMESPACE::conv_fold};

}  // namespace lenet5::kernels
