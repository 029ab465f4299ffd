#!/usr/bin/env bash
# The ONNX export checked where it will run: both shipped models exported, accepted by the official checker
# (Debian's python3-onnx, full_check: every shape inferred), and run in ONNX Runtime (npm onnxruntime-node,
# pinned in tests/onnx/package-lock.json) on MNIST's 10,000 test images against the model's own outputs:
# every image's scores within 1e-5 of its largest |score|, every class the same (tests/onnx/check.mjs).
# npm installs from its registry alone: --ignore-scripts skips onnxruntime-node's postinstall, which would
# fetch GPU providers; the CPU runtime is in the package. About 15 s with a warm npm cache, the build aside
# (a cold cache adds about 25 s: the package is 111 MB).
#   scripts/check-onnx.sh        (MNIST from $LENET5_DATA, else ../shared/data/mnist; the build in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${LENET5_DATA:-$(cd .. && pwd)/shared/data/mnist}"
build=build

[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLENET5_BUILD_TESTS=ON >/dev/null
ninja -C "$build" lenet5_cli lenet5_dump_scores >/dev/null
(cd tests/onnx && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in modern classic; do
  onnx="$work/lenet5-$model.onnx"
  "$build/lenet5" export onnx --model "$model" --out "$onnx" >/dev/null
  /usr/bin/python3 -c 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)' "$onnx"
  echo "check-onnx: $model: $(stat -c %s "$onnx") bytes, the onnx checker (python3-onnx $(/usr/bin/python3 -c 'import onnx; print(onnx.__version__)')) accepts it"
  "$build/lenet5_dump_scores" "models/lenet5-$model.model" "$data" "$work/$model.scores"
  node tests/onnx/check.mjs "$onnx" "$work/$model.scores" "$data"
done
