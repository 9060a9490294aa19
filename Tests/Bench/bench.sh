#!/usr/bin/env bash
# make bench: dropscan beside its peers on the same >1 GiB of gzip-compressed PostgreSQL logs.
# Prints wall time and peak RSS for each; figures are for this machine, not assertions.
set -euo pipefail
dropscan=${1:-.build/release/dropscan}
data=${BENCH_DATA:-bench-data}
files=${BENCH_FILES:-4}
mib=${BENCH_MIB_PER_FILE:-300}
export DROPSCAN_PATTERNS=$PWD/Patterns
if [ ! -f "$data/logs/.complete-$files-$mib" ]; then
  echo "bench: generating $files x $mib MiB of logs in $data/logs (once; gzip -6)..."
  rm -rf "$data/logs" "$data/plain" && mkdir -p "$data/logs"
  python3 Tests/Bench/generate-logs.py "$data/plain" "$files" "$mib"
  for f in "$data"/plain/*.log; do gzip -6 -n -c "$f" > "$data/logs/$(basename "$f").gz" & done; wait
  rm -rf "$data/plain"
  touch "$data/logs/.complete-$files-$mib"
fi
compressed=$(du -cb "$data"/logs/*.gz | tail -n 1 | cut -f1)
plain=$(for f in "$data"/logs/*.gz; do gzip -dc "$f"; done | wc -c)
printf 'bench: %d files, %.0f MiB compressed, %.2f GiB of log text, %d cores\n\n' "$files" \
  "$(echo "$compressed / 1048576" | bc -l)" "$(echo "$plain / 1073741824" | bc -l)" "$(nproc)"
targets50=$data/targets-50.txt
{ echo "orders.legacy_status"; for i in $(seq 1 49); do echo "table_$i.column_$i"; done; } > "$targets50"

measure() {  # name, command...
  local name=$1; shift
  local stats; stats=$(mktemp)
  /usr/bin/time -o "$stats" -f '%e %M' "$@" >/dev/null 2>&1 || true
  local out; out=$(tail -n 1 "$stats"); rm -f "$stats"
  local seconds=${out% *} kib=${out#* }
  printf '%-44s %8.2f s %10.1f MiB/s %8.0f MiB peak RSS\n' "$name" "$seconds" \
    "$(echo "$plain / 1048576 / $seconds" | bc -l)" "$(echo "$kib / 1024" | bc -l)"
}
printf '%-44s %10s %17s %18s\n' "command" "wall" "throughput" "memory"
measure "gzip -dc > /dev/null (sequential)" bash -c "for f in $data/logs/*.gz; do gzip -dc \$f; done"
measure "rg -z -c -w legacy_status" rg -z -c -w legacy_status "$data/logs"
measure "ugrep -z -c -w legacy_status" ugrep -z -c -w -r legacy_status "$data/logs"
measure "dropscan scan, 1 target" "$dropscan" scan -q --target orders.legacy_status --logs "$data/logs" --json /dev/null
measure "dropscan scan, 50 targets" "$dropscan" scan -q --targets-file "$targets50" --logs "$data/logs" --json /dev/null
measure "dropscan scan, 1 target, --threads 1" "$dropscan" scan -q --threads 1 --target orders.legacy_status --logs "$data/logs" --json /dev/null
echo
echo "uses of orders.legacy_status found by each (rg/ugrep count lines; dropscan counts statements):"
printf '  rg: %s   ugrep: %s   dropscan: %s\n' \
  "$(rg -z -c -w legacy_status "$data/logs" | awk -F: '{s+=$NF} END {print s}')" \
  "$(ugrep -z -c -w -r legacy_status "$data/logs" | awk -F: '{s+=$NF} END {print s}')" \
  "$("$dropscan" scan -q --target orders.legacy_status --logs "$data/logs" --json - | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["targets"][0]["runtime"]["statements"])')"
