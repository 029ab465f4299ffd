#!/usr/bin/env bash
# Installs what lenet5 needs from Debian 12 packages. Each one is there on purpose:
#   g++, cmake, ninja-build   the C++20 toolchain and build
#   zlib1g-dev                reading gzip-compressed IDX files (the tests check our CRC-32 against zlib's)
#   libpng-dev                reading people's PNG images, writing pictures (lenet5_image)
#   libjpeg62-turbo-dev       reading JPEG photos, baseline and progressive (lenet5_image)
#   libwebp-dev               reading WebP images (lenet5_image)
#   libcairo2-dev             drawing pictures with real text, PNG and SVG (lenet5_pictures)
#   fonts-dejavu-core         the font the pictures' text is set in (never a silent fallback)
#   pkg-config                finds libwebp for CMake (it ships no CMake package)
#   libgtest-dev libgmock-dev the test suite
#   libbenchmark-dev          kernel microbenchmarks
#   curl, ca-certificates     scripts/fetch-mnist.sh downloads
#   python3-torch (--tests)   the PyTorch cross-check test and benchmark anchor (large; tests only)
#   valgrind (--tests)        runs the portable build on an emulated CPU without AVX-512 (scripts/test-portable.sh)
#   python3-onnx (--tests)    the official ONNX checker for exported models
#   nodejs, npm (--tests)     ONNX Runtime (npm onnxruntime-node) and the browser tests (npm puppeteer-core);
#                             only when no npm is on PATH
#   emscripten (--tests)      the WebAssembly build of the browser demo
#   chromium (--tests)        the real browser the demo's tests drive, headless
#   gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm (--tests)
#                             the exported C model built for and run on an emulated Cortex-M4
#   python3-pil (--tests)     the pictures bench/photo.py and scripts/real-input.py write (measurements, not CI)
# Usage: scripts/install-deps.sh [--tests]
set -euo pipefail

packages=(g++ cmake ninja-build zlib1g-dev libpng-dev libjpeg62-turbo-dev libwebp-dev libcairo2-dev fonts-dejavu-core
          pkg-config libgtest-dev libgmock-dev libbenchmark-dev curl ca-certificates)
case "${1:-}" in
  --tests)
    packages+=(python3-torch valgrind python3-onnx emscripten chromium gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
               python3-pil)
    command -v npm >/dev/null || packages+=(nodejs npm) ;;
  "") ;;
  -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-deps.sh: unknown option $1" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
