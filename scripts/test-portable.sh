#!/usr/bin/env bash
# The portable build (-DLENET5_NATIVE=OFF, what runs on any x86-64) on a CPU without AVX-512: valgrind's
# emulated CPU offers AVX2 but not AVX-512, so the kernels' run-time choice must pick the AVX2 build and
# nothing of the AVX-512 build may run. Checks every kernel build the CPU allows against its reference, and
# the float network (built through the run-time choice) against the double one. About 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests
cmake -S . -B build-portable -G Ninja -DCMAKE_BUILD_TYPE=Release -DLENET5_NATIVE=OFF -DLENET5_BUILD_TESTS=ON >/dev/null
ninja -C build-portable
# The test binary replaces operator new/delete (tests/test_allocation.cpp counts allocations) with malloc and
# free, which valgrind would report as mismatched frees.
valgrind -q --error-exitcode=1 --show-mismatched-frees=no build-portable/tests/lenet5_tests \
  --gtest_filter='Isa/KernelBuild.*:NetworkGradients.FloatAndDoubleNetworksAgree' \
  --gtest_output=xml:build-portable/gtest-portable.xml
# The AVX-512 build's tests skip here (the native stage runs them where the CPU has AVX-512); nothing else may.
scripts/check-skips.py --cpu-lacks avx512 build-portable/gtest-portable.xml
