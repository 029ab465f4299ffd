// The kernels compiled for the avx2 instruction set (flags set in CMakeLists.txt); see isa_build.hpp.
#define LENET5_ISA_NAMESPACE avx2
#define LENET5_ISA_NAME "avx2"
#define LENET5_ISA_BUILD kernels_avx2
#include "kernels/isa_build.hpp"
