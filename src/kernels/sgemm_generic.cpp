// The kernels compiled for the generic instruction set (flags set in CMakeLists.txt); see isa_build.hpp.
#define LENET5_ISA_NAMESPACE generic
#define LENET5_ISA_NAME "generic"
#define LENET5_ISA_BUILD kernels_generic
#include "kernels/isa_build.hpp"
