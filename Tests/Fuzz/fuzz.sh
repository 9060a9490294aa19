#!/usr/bin/env bash
# libFuzzer targets for the parsers that read input nobody here wrote (Tests/Fuzz/Targets, one file each).
#
# SwiftPM builds the library modules with coverage instrumentation and AddressSanitizer
# (`swift build --sanitize=fuzzer --sanitize=address`, targets only, so nothing is linked with libFuzzer's
# main), then each target is compiled with `swiftc -parse-as-library -sanitize=fuzzer,address` and linked
# with those modules' objects. Seeds come from the test fixtures (seeds.py); each target keeps the inputs it
# found in .build/fuzz/corpus/TARGET, and a crash, leak or hang leaves its input in .build/fuzz/crashes.
#
# usage: fuzz.sh [--seconds N] [TARGET...]     (default: every target, 60 seconds each)
set -euo pipefail
cd "$(dirname "$0")/../.."

SWIFT=${SWIFT:-swift}
SECONDS_EACH=60
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(gzip detect prefix frame-stderr frame-csvlog frame-jsonlog frame-syslog frame-cloud patterns migrations sql prefilter)
fi

SCRATCH=.build/fuzz
BUILD_FLAGS=(-c release --sanitize=fuzzer --sanitize=address --scratch-path "$SCRATCH")
# PostgresLog brings ScanIO and Matching; SQLResolution brings Catalog.
for module in PostgresLog SQLResolution; do
  if ! output=$("$SWIFT" build "${BUILD_FLAGS[@]}" --target "$module" 2>&1); then
    echo "$output" >&2
    echo "fuzz: building $module failed" >&2
    exit 1
  fi
done
BIN_DIR=$("$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path)
OBJECTS=()
for module in ScanIO Matching PostgresLog Catalog SQLResolution; do
  OBJECTS+=("$BIN_DIR/$module.build/"*.o)
done
MODULE_MAPS=()
for library in CZlib CIsal CPCRE2 CHyperscan CPgQuery; do
  MODULE_MAPS+=(-Xcc "-fmodule-map-file=Sources/$library/module.modulemap")
done

mkdir -p "$SCRATCH/bin" "$SCRATCH/crashes"
for target in "${TARGETS[@]}"; do
  source=Tests/Fuzz/Targets/$target.swift
  binary=$SCRATCH/bin/$target
  [ -f "$source" ] || { echo "fuzz: no target $target" >&2; exit 2; }
  if [ -x "$binary" ] && [ -z "$(find "$source" Tests/Fuzz/Support.swift "${OBJECTS[@]}" -newer "$binary" | head -1)" ]; then
    continue
  fi
  # lld: gold warns about every ASan helper symbol it cannot export.
  swiftc -parse-as-library -sanitize=fuzzer,address -O -use-ld=lld -module-name "Fuzz_${target//-/_}" \
    -I "$BIN_DIR/Modules" "${MODULE_MAPS[@]}" Tests/Fuzz/Support.swift "$source" "${OBJECTS[@]}" -o "$binary"
done

rm -rf "$SCRATCH/seeds"
python3 Tests/Fuzz/seeds.py . "$SCRATCH/seeds" >/dev/null

# The Swift runtime's backtracer would catch the crash before libFuzzer writes the input out.
export SWIFT_BACKTRACE=enable=no
failed=()
for target in "${TARGETS[@]}"; do
  corpus=$SCRATCH/corpus/$target
  mkdir -p "$corpus" "$SCRATCH/seeds/$target"
  log=$SCRATCH/$target.log
  started=$(date +%s)
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: one using 2 GiB is a memory blow-up.
  if "$SCRATCH/bin/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$SCRATCH/crashes/$target-" "$corpus" "$SCRATCH/seeds/$target" \
    >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $target: $runs inputs in $(($(date +%s) - started)) s, no crash (corpus: $(ls "$corpus" | wc -l) inputs)"
  else
    echo "fuzz: $target: FAILED, see $log; the input is in $SCRATCH/crashes/" >&2
    grep -m1 -E "ERROR: |Fatal error|deadly signal|timeout" "$log" >&2 || tail -5 "$log" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in: ${failed[*]}" >&2
  exit 1
fi
