// The kernels compiled for the avx512 instruction set (flags set in CMakeLists.txt); see isa_build.hpp.
#define LENET5_ISA_NAMESPACE avx512
#define LENET5_ISA_NAME "avx512"
#define LENET5_ISA_BUILD kernels_avx512
#include "kernels/isa_build.hpp"
