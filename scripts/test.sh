#!/usr/bin/env bash
# Builds and runs the whole test suite.
#   scripts/test.sh              Release build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build in build-sanitize/, also
#                                portable (-DLENET5_NATIVE=OFF): the build that runs on any x86-64
# Tests that need MNIST read $LENET5_DATA (else ../shared/data/mnist) and skip when it is absent, as the
# PyTorch cross-checks do without python3-torch or ../shared/anchors; every skip is listed at the end, and
# under CI (CI=true, or LENET5_STRICT_SKIPS=1 as .ci/run sets) any skip fails the run but a kernel build for an
# instruction set the CPU lacks (scripts/check-skips.py).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-sanitize
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLENET5_SANITIZE=ON -DLENET5_NATIVE=OFF)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  dir=build
  flags=(-DCMAKE_BUILD_TYPE=Release)
fi
cmake -S . -B "$dir" -G Ninja "${flags[@]}" -DLENET5_BUILD_TESTS=ON >/dev/null
ninja -C "$dir"
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --output-junit "$PWD/$dir/ctest-junit.xml"
scripts/check-skips.py "$dir/ctest-junit.xml"
