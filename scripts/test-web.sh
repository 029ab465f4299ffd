#!/usr/bin/env bash
# The browser demo's tests (tests/web/): builds the site (scripts/build-web.sh) and the native CLI, installs
# puppeteer-core from its lockfile (npm ci; it drives the system's Chromium and downloads no browser), then
#  - agreement.test.js: the WebAssembly build under node reads MNIST's first 100 test digits with the same
#    probabilities as the native CLI (within 1e-5, both shipped models), and trains 20 batches to the same loss;
#  - page.test.js: the served page in headless Chromium: digits drawn with the mouse read right and
#    prepared as MNIST's, every map drawn, the classic model, a photo, a test digit, a short training run.
# Needs MNIST ($LENET5_DATA, else data/mnist). About 2 minutes on 2 cores, most of it the emscripten build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests
scripts/build-web.sh
[ -f build/build.ninja ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build lenet5_cli
cd tests/web
# --ignore-scripts: no package's install script runs, so nothing is downloaded but the packages themselves.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
node --test agreement.test.js page.test.js
