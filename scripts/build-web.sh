#!/usr/bin/env bash
# Builds the browser demo, a static site, into build/web/: the page (web/index.html, style.css, app.js,
# lenet5-api.js, train-worker.js), the core library compiled to WebAssembly with Debian's emscripten
# (lenet5.js, lenet5.wasm; the objects in build/web-wasm/), the shipped models, and MNIST's four gzip files
# (the page trains on them and shows test digits): from $LENET5_DATA when set, else data/mnist, downloaded
# there first when missing (scripts/fetch-mnist.sh, which checks every file's MD5).
# Serve build/web/ over http from any static host; scripts/demo.sh does it on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v emcc >/dev/null || scripts/install-deps.sh --tests
# Debian's emscripten runs its JavaScript parts with node and needs Debian's node-acorn, found here.
export NODE_PATH=/usr/share/nodejs
emcmake cmake -S web -B build/web-wasm -G Ninja >/dev/null
ninja -C build/web-wasm

site=build/web
rm -rf "$site"
mkdir -p "$site/models" "$site/mnist"
cp web/index.html web/style.css web/app.js web/lenet5-api.js web/train-worker.js \
   build/web-wasm/lenet5.js build/web-wasm/lenet5.wasm "$site/"
cp models/lenet5-modern.model models/lenet5-classic.model "$site/models/"
if [ -n "${LENET5_DATA:-}" ]; then
  scripts/fetch-mnist.sh "$site/mnist" >/dev/null
else
  scripts/fetch-mnist.sh data/mnist >/dev/null
  scripts/fetch-mnist.sh --from data/mnist "$site/mnist" >/dev/null
fi
page_bytes=$(cat "$site"/*.html "$site"/*.css "$site"/*.js "$site"/*.wasm | wc -c)
echo "build-web: $site/ is the site: page, scripts and WebAssembly $((page_bytes / 1024)) KiB, models and MNIST aside"
