#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install dependencies, build, get MNIST, train the default
# (modern) LeNet-5 and evaluate the saved model.
#   scripts/train-mnist.sh [extra 'lenet5 train' options]
# MNIST comes from $LENET5_DATA when that names a local copy, else it is downloaded to data/mnist.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLENET5_BUILD_TESTS=OFF >/dev/null
ninja -C build lenet5_cli

if [ -n "${LENET5_DATA:-}" ]; then
  scripts/fetch-mnist.sh  # verifies the local copy's checksums, touches no network
  data="$LENET5_DATA"
else
  scripts/fetch-mnist.sh data/mnist
  data=data/mnist
fi

build/lenet5 train --data "$data" --out lenet5.model "$@"
build/lenet5 eval lenet5.model --data "$data"
