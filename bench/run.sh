#!/bin/sh
# Benchmarks lenet5 against the PyTorch anchor (../shared/anchors/pytorch_lenet5.py), side by side in one run,
# and prints a table of medians with ratios (> 1 always means lenet5 is better).
#
#   bench/run.sh [--reps N] [--quick] [--json] [--skip-anchor] [--threads N] [--data DIR] [--peak-gflops X]
#
#   --reps N         repetitions; ours and the anchor alternate within each (default 3)
#   --quick          1 repetition, skips the long time-to-99 % runs (peak RSS then from 1-epoch runs)
#   --json           one JSON object: train_b64, train_b256, infer_b256, latency_us, time_to_99_s, peak_rss_mb,
#                    scaling_2v1, photo_ms, photo_decode_ms, each {"ours", "anchor", "ratio", unit, goal, met,
#                    reps, ...}, plus "info"
#   --skip-anchor    ours only; anchor figures and ratios are null
#   --threads N      threads for the throughput and training figures (default 2); latency is always 1 thread
#   --data DIR       MNIST-format IDX files (default: $LENET5_DATA, else data/mnist, else ../shared/data/mnist)
#   --peak-gflops X  peak FP32 GFLOP/s per core for the "% of peak" columns (default 220)
#
# Environment: LENET5_BIN (default build/lenet5), LENET5_DATA, LENET5_ANCHORS (default ../shared/anchors),
# LENET5_ANCHOR_PYTHON (Python with torch, default /usr/bin/python3). The anchor runs with OPENBLAS_NUM_THREADS=1.
# photo_ms is `lenet5 bench --image` on a 1000x1000 JPEG photo of a test digit that bench/photo.py writes with
# that Python (python3-pil, python3-numpy): prepare + classify, and apart from it read + decode; ours only.
# A full run (--reps 3) takes several minutes; progress goes to stderr. Exits non-zero only if lenet5 fails.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
export LENET5_BIN="${LENET5_BIN:-$root/build/lenet5}"
if [ -z "${LENET5_DATA:-}" ]; then
  LENET5_DATA="$root/data/mnist"
  [ -d "$LENET5_DATA" ] || [ ! -d "$root/../shared/data/mnist" ] || LENET5_DATA=$(cd "$root/../shared/data/mnist" && pwd)
fi
export LENET5_DATA
export LENET5_ANCHORS="${LENET5_ANCHORS:-$root/../shared/anchors}"
[ -x "$LENET5_BIN" ] || { echo "bench/run.sh: no lenet5 binary at $LENET5_BIN (build it, or set LENET5_BIN)" >&2; exit 2; }
exec python3 "$root/bench/run.py" "$@"
