#!/usr/bin/env bash
# The C export checked on MNIST's 10,000 test images: both shipped models exported as float32 C and as int8 C
# (`lenet5 export c` / `c-int8`, calibrated on the first 1,000 training images), each compiled with
# cc -std=c99 -Wall -Wextra -Werror -pedantic and run on every test image (tests/export_c/harness.c), against
# the model's own inference (lenet5_dump_scores; tests/export_c/compare.py): float32 gives our class on every
# image (a top-two margin below 1e-4 may differ: counted, expected 0), int8's accuracy is within 0.3 points of
# ours. Then --prefix: the two models, prefixed, linked into one program, give each one's own classes (on the
# first 1,000 images).
# About 25 s on 2 cores, the build aside.
#   scripts/check-export-c.sh        (MNIST from $LENET5_DATA, else ../shared/data/mnist; the build in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${LENET5_DATA:-$(cd .. && pwd)/shared/data/mnist}"
export LENET5_DATA="$data"
build=build
cflags=(-std=c99 -O2 -Wall -Wextra -Werror -pedantic)

[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLENET5_BUILD_TESTS=ON >/dev/null
ninja -C "$build" lenet5_cli lenet5_dump_scores >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gunzip -c "$data/t10k-images-idx3-ubyte.gz" > "$work/images.idx"

# Exports and compiles one model as one kind; runs it on the test images into $work/NAME.classes.
run_export() {
  local model=$1 kind=$2 name=$1-$2
  "$build/lenet5" export "$kind" --model "$model" --out "$work/$name" >/dev/null
  cc "${cflags[@]}" -I "$work/$name" tests/export_c/harness.c "$work/$name/lenet5_model.c" -lm -o "$work/$name/run"
  "$work/$name/run" < "$work/images.idx" > "$work/$name.classes"
}

pids=()
for model in modern classic; do
  "$build/lenet5_dump_scores" "models/lenet5-$model.model" "$data" "$work/$model.scores"
  for kind in c c-int8; do
    run_export "$model" "$kind" & pids+=($!)
  done
done
for pid in "${pids[@]}"; do wait "$pid"; done

for model in modern classic; do
  outputs=--scores
  [ "$model" = classic ] && outputs=--penalties
  /usr/bin/python3 tests/export_c/compare.py "$model float32 C" "$work/$model.scores" "$work/$model-c.classes" \
    "$data/t10k-labels-idx1-ubyte.gz" "$outputs" --same-class
  /usr/bin/python3 tests/export_c/compare.py "$model int8 C" "$work/$model.scores" "$work/$model-c-int8.classes" \
    "$data/t10k-labels-idx1-ubyte.gz" "$outputs" --within 0.3
done

# --prefix: the modern float32 model and the classic int8 one in one program.
"$build/lenet5" export c --model modern --prefix first --out "$work/first" >/dev/null
"$build/lenet5" export c-int8 --model classic --prefix second --out "$work/second" >/dev/null
cc "${cflags[@]}" -I "$work/first" -I "$work/second" tests/export_c/two_models.c "$work/first/first_model.c" \
  "$work/second/second_model.c" -lm -o "$work/two"
head -c $((16 + 1000 * 784)) "$work/images.idx" | "$work/two" > "$work/two.classes"
paste -d ' ' <(head -n 1000 "$work/modern-c.classes" | cut -d ' ' -f 1) \
  <(head -n 1000 "$work/classic-c-int8.classes" | cut -d ' ' -f 1) |
  cmp -s - "$work/two.classes" || { echo "check-export-c: the prefixed models in one program differ from each alone"; exit 1; }
echo "check-export-c: --prefix: modern (float32) and classic (int8) in one program, each with its own classes on the first $(wc -l < "$work/two.classes") test images"
