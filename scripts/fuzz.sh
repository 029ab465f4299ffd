#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, ASan + UBSan) and fuzzes every parser briefly.
#   scripts/fuzz.sh [SECONDS]     SECONDS of fuzzing per target (default 20)
# Each target first re-runs its reproducers in fuzz/regressions/<target>/, then fuzzes a copy of its seed
# corpus fuzz/corpus/<name>/ (the repository's corpus is never modified). Exits non-zero when any target
# crashes, leaks, trips a sanitizer, times out or runs out of memory; the input that did it is left in
# build-fuzz/fuzz-run/<target>/ (crash-*, leak-*, timeout-*, oom-*).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
case "$seconds" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac

# clang and its libFuzzer runtime (Debian ships the runtime in libclang-rt-14-dev), and the build deps.
packages=(clang libclang-rt-14-dev cmake ninja-build zlib1g-dev libpng-dev libjpeg62-turbo-dev libwebp-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLENET5_FUZZ=ON \
  -DLENET5_BUILD_TESTS=OFF >/dev/null
ninja -C build-fuzz lenet5_fuzzers

# target:corpus folder:dictionary (fuzz/dict/<name>.dict; the model file embeds a network description)
targets=(fuzz_idx:idx: fuzz_model:model:network_spec fuzz_checkpoint:checkpoint: fuzz_image:image:
         fuzz_network_spec:network_spec:network_spec fuzz_csv:csv: fuzz_training_log:training_log:)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=()
summary=()
for entry in "${targets[@]}"; do
  IFS=: read -r target corpus dict <<<"$entry"
  dict_option=()
  [ -z "$dict" ] || dict_option=(-dict="fuzz/dict/$dict.dict")
  binary="$PWD/build-fuzz/fuzz/$target"
  work="build-fuzz/fuzz-run/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp fuzz/corpus/"$corpus"/* "$work/corpus/"
  log="$work/fuzz.log"

  shopt -s nullglob
  regressions=(fuzz/regressions/"$target"/*)
  shopt -u nullglob
  if [ ${#regressions[@]} -gt 0 ]; then
    echo "== $target: ${#regressions[@]} regression inputs"
    # One at a time: libFuzzer stops at the first input that fails.
    for input in "${regressions[@]}"; do
      if ! "$binary" -timeout=10 -rss_limit_mb=2048 "$input" >"$work/regression.log" 2>&1; then
        grep -E 'ERROR|runtime error|SUMMARY|^ +#[0-5] ' "$work/regression.log" | head -n 12
        failed+=("$target ($input)")
      fi
    done
  fi

  echo "== $target: fuzzing for ${seconds}s"
  status=0
  "$binary" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -max_total_time="$seconds" -print_final_stats=1 \
    "${dict_option[@]}" -artifact_prefix="$work/" "$work/corpus" >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  new_units=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | tr -dc '0-9')
  line="$target: ${executions:-?} executions, ${new_units:-?} new corpus units, coverage ${coverage:-?} edges"
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    line="$line, FAILED (exit $status; see $work/)"
    failed+=("$target")
  fi
  summary+=("$line")
done

echo
echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
