#!/usr/bin/env bash
# The C export on a microcontroller, emulated: both shipped models, exported as int8 and as float32 C, are
# cross-compiled for a Cortex-M4 with FPU (Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi; int8 at -O2
# and -O3, float32 at -O2) and run on MNIST's first 100 test images (compiled into the program) under Debian's
# qemu-system-arm (the MPS2 AN386 board, semihosting for printing; tests/export_c/mcu_main.c). Their classes
# must equal the host build's. Reports, per build: flash (arm-none-eabi-size of the model's object alone:
# weights and code, not the test program or newlib), the stack the model takes (-fstack-usage:
# PREFIX_classify's and PREFIX_scores' frames, the activations being the latter's, plus the deepest other
# function's, a bound since those are called one at a time), and the instructions per inference that QEMU
# executed (SysTick under -icount). About 10 s of CPU, the build aside.
#   scripts/check-mcu.sh        (MNIST from $LENET5_DATA, else ../shared/data/mnist; the build in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${LENET5_DATA:-$(cd .. && pwd)/shared/data/mnist}"
export LENET5_DATA="$data"
build=build
images=100
mcu=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic)

[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLENET5_BUILD_TESTS=ON >/dev/null
ninja -C "$build" lenet5_cli >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The first images of the test set: as an IDX file for the host build, as a C array for the emulated one.
/usr/bin/python3 - "$data/t10k-images-idx3-ubyte.gz" "$images" "$work/images.idx" "$work/test_images.c" <<'PYTHON'
import gzip, sys
count = int(sys.argv[2])
with gzip.open(sys.argv[1], "rb") as f:
    idx = f.read(16 + count * 784)
open(sys.argv[3], "wb").write(idx)
pixels = idx[16:]
with open(sys.argv[4], "w") as out:
    out.write(f"const unsigned char test_images[{count}][28][28] = {{\n")
    for i in range(count):
        rows = (pixels[(i * 28 + r) * 28:(i * 28 + r + 1) * 28] for r in range(28))
        out.write("  {" + ",".join("{" + ",".join(map(str, row)) + "}" for row in rows) + "},\n")
    out.write(f"}};\nconst int test_image_count = {count};\n")
PYTHON

# Each build: the model, the export, the optimisation level of the model's object.
builds=("modern c-int8 -O2" "modern c-int8 -O3" "classic c-int8 -O2" "classic c-int8 -O3" "modern c -O2" "classic c -O2")
printf '%-22s %10s %10s %14s\n' build "flash (B)" "stack (B)" "instructions"
for build_line in "${builds[@]}"; do
  read -r model kind level <<< "$build_line"
  dir="$work/$model-$kind"
  if [ ! -d "$dir" ]; then
    "$build/lenet5" export "$kind" --model "$model" --out "$dir" >/dev/null
    cc "${cflags[@]}" -O2 -I "$dir" tests/export_c/harness.c "$dir/lenet5_model.c" -lm -o "$dir/host"
    "$dir/host" < "$work/images.idx" | cut -d ' ' -f 1 > "$dir/host.classes"
  fi
  object="$dir/model$level"
  arm-none-eabi-gcc "${cflags[@]}" "$level" "${mcu[@]}" -fstack-usage -c "$dir/lenet5_model.c" -o "$object.o"
  arm-none-eabi-gcc -O2 "${mcu[@]}" --specs=rdimon.specs -Wl,--section-start=.vectors=0 -I "$dir" \
    tests/export_c/mcu_main.c "$work/test_images.c" "$object.o" -lm -o "$object.elf"
  timeout 120 qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$object.elf" > "$object.txt"
  if ! grep -v instructions "$object.txt" | cmp -s - "$dir/host.classes"; then
    echo "check-mcu: $build_line: the Cortex-M4's classes differ from the host build's"
    diff <(grep -v instructions "$object.txt") "$dir/host.classes" | head
    exit 1
  fi
  flash=$(arm-none-eabi-size "$object.o" | awk 'NR == 2 { print $1 + $2 }')
  stack=$(awk -F '\t' '{ split($1, place, ":"); name = place[4]; frame = $2 }
    name ~ /_(classify|scores)$/ { sum += frame; next } frame > deepest { deepest = frame }
    END { print sum + deepest }' "$object.su")
  printf '%-22s %10s %10s %14s\n' "$build_line" "$flash" "$stack" "$(sed -n 's/instructions per inference: //p' "$object.txt")"
done
echo "check-mcu: all builds gave the host's classes on $images test images under qemu-system-arm (mps2-an386, Cortex-M4)"
