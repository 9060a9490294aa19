#!/usr/bin/env bash
# make bench: dropscan beside its peers on the same inputs. Prints wall time, throughput and peak RSS;
# the figures describe this machine and are not assertions.
#
#   1. >1 GiB of gzip-compressed PostgreSQL logs written by a real server (Tests/Bench/server, replicated):
#      igzip and zlib inflate alone, gzip -dc, rg -z, ugrep -z, dropscan (1 and 50 targets, igzip and zlib)
#   1b. one less compressible log file from the same server: igzip's inflate, zlib's, ugrep, dropscan with each
#   2. a hot column (read by every shop-web transaction): the SQL parser's cache keeps it from being parser-bound
#   3. pgBadger on the same stderr log: time and per-application counts side by side
#   4. a large source tree (the Python installation): rg -w, ugrep -w, dropscan (1 and 50 targets)
#   5. the model index pass against a one-target scan of a large tree: BENCH_MODELS_TREE (a checkout with ORM
#      models, e.g. netbox; skipped with a line saying so when it is not set or not a directory) and the Python
#      installation's own sources
#   6. adversarial lines of 1 MiB and 16 MiB (bytea literal, minified code) naming a target
#   7. 10,000 targets over the logs of section 1, beside 1 target
#   8. an incremental sweep: a day of new logs added to 8 and to 16 days of history already in the ledger
#   9. memory: the logs of section 1, then four copies of them (about 1.2 and 4.7 GiB of log text)
# BENCH_SECTIONS="4 5" runs only those sections (default: all); BENCH_RUNS rounds per table (default 3, the
# median shown); every table is also written to Reports/bench/latest.md (BENCH_REPORT), with the date, the
# commit and the machine.
set -euo pipefail
dropscan=${1:-.build/release/dropscan}
data=${BENCH_DATA:-bench-data}
files=${BENCH_FILES:-4}
mib=${BENCH_MIB_PER_FILE:-300}
sections=${BENCH_SECTIONS:-1 1b 2 3 4 5 6 7 8 9}
export DROPSCAN_PATTERNS=$PWD/Patterns
mkdir -p "$data"
section() { [[ " $sections " == *" $1 "* ]]; }

# Each section registers its commands with `add`, then `run_group` runs them BENCH_RUNS times, alternating
# (every command once per round, so that a slow moment of the machine falls on all of them), and prints the
# median wall time, throughput, the largest peak RSS, and the ratio to the fastest peer (commands whose label
# does not start with "dropscan"). Every table also goes to $report (Reports/bench/latest.md).
rounds=${BENCH_RUNS:-3}
report=${BENCH_REPORT:-Reports/bench/latest.md}
labels=(); sizes=(); commands=()
add() {  # label, bytes, command...
  labels+=("$1"); sizes+=("$2"); shift 2
  commands+=("$(printf '%q ' "$@")")
}
heading() {  # text: printed and written to the report
  echo; echo "$1"
  printf '\n### %s\n\n' "$1" >> "$report"
}
note() { echo "$1"; printf '%s\n\n' "$1" >> "$report"; }
run_group() {
  local n=${#labels[@]} i r stats out
  local -a times rss
  for ((i = 0; i < n; i++)); do times[i]=""; rss[i]=0; done
  for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < n; i++)); do
      stats=$(mktemp)
      # Output goes to a real file: grep-like tools stop at the first match when stdout is /dev/null.
      /usr/bin/time -o "$stats" -f '%e %M' bash -c "${commands[i]}" >"$data/.output" 2>&1 || true
      out=$(tail -n 1 "$stats"); rm -f "$stats"
      times[i]+="${out% *} "
      [ "${out#* }" -gt "${rss[i]}" ] && rss[i]=${out#* }
    done
  done
  local -a medians; local best=""
  for ((i = 0; i < n; i++)); do
    medians[i]=$(tr ' ' '\n' <<<"${times[i]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    if [[ ${labels[i]} != dropscan* ]] && { [ -z "$best" ] || [ "$(echo "${medians[i]} < $best" | bc -l)" = 1 ]; }; then
      best=${medians[i]}
    fi
  done
  printf '  %-46s %8s %13s %11s %9s\n' "command (median of $rounds)" "wall" "throughput" "peak RSS" "vs peer"
  printf '| command (median of %d) | wall | throughput | peak RSS | vs best peer |\n|---|---:|---:|---:|---:|\n' "$rounds" >> "$report"
  for ((i = 0; i < n; i++)); do
    local seconds=${medians[i]} mib_s ratio="-"
    mib_s=$(printf '%.1f' "$(echo "${sizes[i]} / 1048576 / (${seconds} + 0.001)" | bc -l)")
    [ -n "$best" ] && ratio=$(printf '%.2fx' "$(echo "${seconds} / (${best} + 0.001)" | bc -l)")
    printf '  %-46s %7.2f s %8s MiB/s %7.0f MiB %9s\n' "${labels[i]}" "$seconds" "$mib_s" "$(echo "${rss[i]} / 1024" | bc -l)" "$ratio"
    printf '| %s | %.2f s | %s MiB/s | %.0f MiB | %s |\n' "${labels[i]}" "$seconds" "$mib_s" "$(echo "${rss[i]} / 1024" | bc -l)" "$ratio" >> "$report"
  done
  labels=(); sizes=(); commands=()
}

mkdir -p "$(dirname "$report")"
{
  echo "# make bench: latest figures"
  echo
  echo "Written by \`make bench\` ($(date -u '+%Y-%m-%d %H:%M UTC')), dropscan $(git rev-parse --short HEAD 2>/dev/null || echo '?'),"
  echo "on $(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)), $(free -g | awk '/^Mem:/ {print $2}') GiB of memory,"
  echo "$(uname -sr). Sections: $sections; BENCH_RUNS=$rounds. Method and bounds: README.md beside this file."
} > "$report"

# 1. Compressed logs -----------------------------------------------------------------------------------
# Real logs: a real server (run-workload.sh: initdb, restarts, checkpoints, log_statement='all', rotation at
# 10 MB) serves three applications with pgbench for $BENCH_SERVER_SECONDS seconds (Tests/Bench/server); its
# rotated files are replicated, a day later per copy, into $files files of $mib MiB, then gzipped with gzip -6.
# BENCH_SERVER_VARIED=1 gives the less compressible variant of section 10.
server_logs() {  # output dir, files, MiB per file, varied (0/1)
  local out=$1 n=$2 size=$3 varied=$4
  rm -rf "$out" "$out.server" "$out.plain" && mkdir -p "$out"
  BENCH_SERVER_VARIED=$varied BENCH_SERVER_SECONDS=${BENCH_SERVER_SECONDS:-20} \
    bash Tests/DropScanTests/Fixtures/postgres/run-workload.sh "$out.server" Tests/Bench/server \
    "log_statement='all'" "log_line_prefix='%m [%p] %q%u@%d/%a '" >/dev/null
  python3 Tests/Bench/replicate-logs.py "$out.server" "$out.plain" "$n" "$size"
  for f in "$out.plain"/*.log; do gzip -6 -n -c "$f" > "$out/$(basename "$f").gz" & done; wait
  rm -rf "$out.server" "$out.plain"
}
logs=$data/server-logs
if section 1 || section 2 || section 7 || section 9; then
if [ ! -f "$data/.server-logs-$files-$mib" ]; then
  echo "bench: running a real server for ${BENCH_SERVER_SECONDS:-20} s, then replicating its logs into $files x $mib MiB in $logs (once)..."
  server_logs "$logs" "$files" "$mib" 0
  touch "$data/.server-logs-$files-$mib"
fi
compressed=$(du -cb "$logs"/*.gz | tail -n 1 | cut -f1)
plain=$(for f in "$logs"/*.gz; do gzip -dc "$f"; done | wc -c)
targets50=$data/targets-50.txt
{ echo "orders.legacy_status"; for i in $(seq 1 49); do echo "table_$i.column_$i"; done; } > "$targets50"
fi
if section 1; then
heading "$(printf '1. real-server logs: %d gzip files, %.0f MiB compressed (%.0f:1), %.2f GiB of log text, %d cores' "$files" \
  "$(echo "$compressed / 1048576" | bc -l)" "$(echo "$plain / $compressed" | bc -l)" "$(echo "$plain / 1073741824" | bc -l)" "$(nproc)")"
add "igzip inflate only, $(nproc) processes (ISA-L, dropscan's default)" "$plain" bash -c "printf '%s\\n' $logs/*.gz | xargs -P $(nproc) -n 1 igzip -d -c > /dev/null"
add "zlib inflate only, $(nproc) processes (inflate.py)" "$plain" python3 Tests/Bench/inflate.py "$logs"/*.gz
add "gzip -dc > /dev/null (one file after another)" "$plain" bash -c "for f in $logs/*.gz; do gzip -dc \$f > /dev/null; done"
add "rg -z -c -w legacy_status" "$plain" rg -z -c -w legacy_status "$logs"
add "ugrep -z -c -w legacy_status" "$plain" ugrep -z -c -w -r legacy_status "$logs"
add "dropscan, 1 target" "$plain" "$dropscan" scan -q --target orders.legacy_status --logs "$logs" --json /dev/null
add "dropscan, 50 targets" "$plain" "$dropscan" scan -q --targets-file "$targets50" --logs "$logs" --json /dev/null
add "dropscan, 1 target, --threads 1" "$plain" "$dropscan" scan -q --threads 1 --target orders.legacy_status --logs "$logs" --json /dev/null
add "dropscan, 1 target, zlib (DROPSCAN_INFLATE=zlib)" "$plain" env DROPSCAN_INFLATE=zlib "$dropscan" scan -q --target orders.legacy_status --logs "$logs" --json /dev/null
run_group
echo "  what each counts for legacy_status (rg/ugrep: lines; dropscan: executed statements that use orders.legacy_status):"
printf '    rg %s, ugrep %s, dropscan %s\n' \
  "$(rg -z -c -w legacy_status "$logs" | awk -F: '{s+=$NF} END {print s}')" \
  "$(ugrep -z -c -w -r legacy_status "$logs" | awk -F: '{s+=$NF} END {print s}')" \
  "$({ "$dropscan" scan -q --target orders.legacy_status --logs "$logs" --json - || true; } | python3 -c 'import json,sys; print(json.load(sys.stdin)["targets"][0]["runtime"]["statements"])')"

fi

# 2. A hot column ----------------------------------------------------------------------------------------
if section 2; then
heading "2. hot column: shop-web reads orders.status in every transaction (customers.status is another table's)"
add "ugrep -z -c -w status" "$plain" ugrep -z -c -w -r status "$logs"
add "dropscan, orders.legacy_status (1 target)" "$plain" "$dropscan" scan -q --target orders.legacy_status --logs "$logs" --json /dev/null
add "dropscan, orders.status (hot)" "$plain" "$dropscan" scan -q --target orders.status --logs "$logs" --json /dev/null
run_group
{ "$dropscan" scan -q --stats --target orders.status --logs "$logs" --json "$data/hot.json" 2>&1 || true; } | sed 's/^/    /'
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["targets"][0]["runtime"]; print("    uses: %d confirmed statements, by evidence %s" % (r["statements"], r["byEvidence"]))' "$data/hot.json"

fi

# 1b. One less compressible file -----------------------------------------------------------------------------
# The same server with every statement carrying random literals (BENCH_SERVER_VARIED=1), one file: igzip and
# zlib give the same report, and igzip's inflate alone is the bound.
if section 1b; then
varied=$data/server-varied
varied_mib=${BENCH_VARIED_MIB:-512}
if [ ! -f "$data/.server-varied-$varied_mib" ]; then
  echo "bench: running a real server with varied literals, then replicating its logs into 1 x $varied_mib MiB (once)..."
  server_logs "$varied" 1 "$varied_mib" 1
  touch "$data/.server-varied-$varied_mib"
fi
vfile=$varied/postgresql-00.log.gz
vplain=$(gzip -dc "$vfile" | wc -c); vcompressed=$(wc -c < "$vfile")
heading "$(printf '1b. one less compressible real-server log: %.0f MiB compressed (%.1f:1), %.0f MiB of log text' \
  "$(echo "$vcompressed / 1048576" | bc -l)" "$(echo "$vplain / $vcompressed" | bc -l)" "$(echo "$vplain / 1048576" | bc -l)")"
add "igzip -d -c (ISA-L inflate only)" "$vplain" igzip -d -c "$vfile"
add "zlib inflate only (inflate.py)" "$vplain" python3 Tests/Bench/inflate.py "$vfile"
add "ugrep -z -c -w legacy_status" "$vplain" ugrep -z -c -w legacy_status "$vfile"
add "dropscan, 1 target (igzip)" "$vplain" "$dropscan" scan -q --target orders.legacy_status --logs "$vfile" --json "$data/varied-igzip.json"
add "dropscan, 1 target, zlib (DROPSCAN_INFLATE=zlib)" "$vplain" env DROPSCAN_INFLATE=zlib "$dropscan" scan -q --target orders.legacy_status --logs "$vfile" --json "$data/varied-zlib.json"
run_group
same=$(python3 -c 'import json,sys
a,b=(json.load(open(p)) for p in sys.argv[1:3]); a.pop("run",None); b.pop("run",None); print("identical" if a==b else "DIFFERENT")' \
  "$data/varied-igzip.json" "$data/varied-zlib.json")
note "  the reports of igzip and zlib (all but the run's times and command line): $same"
fi

# The generator's log_line_prefix (sections 3 and 6).
prefix='%m [%p] %q%u@%d/%a '

# 3. pgBadger ----------------------------------------------------------------------------------------------
if section 3; then
pgb=$data/pgbadger
if [ ! -f "$pgb/.complete" ]; then
  rm -rf "$pgb" && mkdir -p "$pgb"
  python3 Tests/Bench/generate-logs.py "$pgb/plain" 1 16
  gzip -6 -n -c "$pgb/plain/postgresql-00.log" > "$pgb/postgresql.log.gz" && rm -rf "$pgb/plain"
  touch "$pgb/.complete"
fi
small=$(gzip -dc "$pgb/postgresql.log.gz" | wc -c)
heading "3. pgBadger and dropscan on the same 16 MiB stderr log"
note "pgBadger cannot tie a query to a table: it counts normalized queries that contain the word; per application only with one --appname run per application."
add "pgbadger -j 2 (whole report)" "$small" pgbadger -q -j 2 -x json -o "$pgb/all.json" --prefix "$prefix" "$pgb/postgresql.log.gz"
add "dropscan, orders.legacy_status" "$small" "$dropscan" scan -q --target orders.legacy_status --logs "$pgb/postgresql.log.gz" --json "$pgb/dropscan.json"
run_group
printf '    %-16s %10s %10s\n' "application" "pgBadger" "dropscan"
for app in shop-web billing metabase nightly-export psql worker; do
  pgbadger -q -j 2 -x json -o "$pgb/$app.json" --appname "$app" --prefix "$prefix" "$pgb/postgresql.log.gz" >/dev/null 2>&1 || true
  theirs=$(python3 -c 'import json,re,sys
d=json.load(open(sys.argv[1])).get("normalyzed_info",{})
print(sum(v.get("count",0) for db in d.values() for q,v in db.items() if re.search(r"\blegacy_status\b",q)))' "$pgb/$app.json" 2>/dev/null || echo "?")
  ours=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["targets"][0]["runtime"]["byApplication"].get(sys.argv[2],0))' "$pgb/dropscan.json" "$app")
  printf '    %-16s %10s %10s\n' "$app" "$theirs" "$ours"
done

fi

# 4. Large source trees -------------------------------------------------------------------------------------
# The Python installation's own library (a toolchain's sources; BENCH_SOURCE_TREE to change it) and, when
# BENCH_MODELS_TREE is set, the application the evaluation fetched (e.g. netbox).
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
names50=(status_code user_id created_at updated_at content_type encoding timeout hostname username password
  filename basename dirname pathname extension headers cookies session_id request_id response_code
  error_code message_id parent_id child_id owner_id group_id account_id customer_id order_id product_id
  line_number column_number file_size mime_type charset locale timezone latitude longitude country_code
  postal_code street_name first_name last_name birth_date start_time end_time retry_count max_retries legacy_status)
source_tree() {  # tree, table heading number
  local tree=$1 number=$2 files_in_tree tree_bytes rgargs=() n i=0
  { for n in "${names50[@]}"; do i=$((i+1)); echo "table_$i.$n"; done; } > "$data/source-targets-50.txt"
  for n in "${names50[@]}"; do rgargs+=(-e "$n"); done
  files_in_tree=$(find "$tree" -type f | wc -l); tree_bytes=$(du -sb "$tree" | cut -f1)
  # Two tables, so that each dropscan row is compared with the peers doing its own number of names.
  heading "$(printf '%s source tree %s: %d files, %.0f MiB; one name (as a word, case-insensitively)' "$number" "$tree" \
    "$files_in_tree" "$(echo "$tree_bytes / 1048576" | bc -l)")"
  add "rg -i -w -c status_code" "$tree_bytes" rg -i -w -c status_code "$tree"
  add "ugrep -r -I -i -w -c status_code" "$tree_bytes" ugrep -r -I -i -w -c status_code "$tree"
  add "dropscan, 1 target" "$tree_bytes" "$dropscan" scan -q --target responses.status_code --source "$tree" --json /dev/null
  run_group
  heading "$(printf '%s source tree %s: 50 common names' "$number" "$tree")"
  add "rg -i -w -c, 50 names" "$tree_bytes" rg -i -w -c "${rgargs[@]}" "$tree"
  add "ugrep -r -I -i -w -c, 50 names" "$tree_bytes" ugrep -r -I -i -w -c "${rgargs[@]}" "$tree"
  add "dropscan, 50 targets" "$tree_bytes" "$dropscan" scan -q --targets-file "$data/source-targets-50.txt" --source "$tree" --json /dev/null
  run_group
}
if section 4; then
source_tree "${BENCH_SOURCE_TREE:-$stdlib}" "4."
if [ -n "${BENCH_MODELS_TREE:-}" ] && [ -d "${BENCH_MODELS_TREE:-}" ]; then
  source_tree "$BENCH_MODELS_TREE" "4b. application"
else
  echo "  4b: skipped, BENCH_MODELS_TREE is not set to a checkout (e.g. netbox); no figure"
fi
fi

# 5. The model index against a one-target scan -------------------------------------------------------------
# The first pass over the sources reads every file once, for the model index and to find the files that name
# a target. With one thread the index readers' time (`--stats`: "model index") is wall time, a share of the
# whole scan's (`--stats`: "scanned in"); the median of five runs. The issue's bar is 20%.
index_share() {  # label, tree, target
  local label=$1 tree=$2 target=$3
  if [ -z "$tree" ]; then
    echo "  $label: skipped, BENCH_MODELS_TREE is not set (a checkout with ORM models, e.g. netbox); no figure"
    return
  elif [ ! -d "$tree" ]; then
    echo "  $label: skipped, $tree is not a directory; no figure"
    return
  fi
  local runs=() line scan index models share median
  for _ in 1 2 3 4 5; do
    line=$({ "$dropscan" scan -q --stats --threads 1 --target "$target" --source "$tree" --json /dev/null \
      2>&1 >/dev/null || true; } | { grep '^dropscan stats:' || true; })
    scan=$(sed -E 's/.* scanned in ([0-9.]+) s.*/\1/' <<<"$line")
    index=$(sed -E 's/.*model index ([0-9.]+) s.*/\1/' <<<"$line")
    if [ -z "$line" ]; then echo "  $label: dropscan printed no stats line; no figure"; return; fi
    models=$(sed -E 's/.* ([0-9]+) models.*/\1/' <<<"$line")
    runs+=("$(echo "$index / $scan * 100" | bc -l) $index $scan")
  done
  median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)
  read -r share index scan <<<"$median"
  local verdict="within the 20% bar"
  [ "$(echo "$share <= 20" | bc -l)" = 1 ] || verdict="OVER the 20% bar"
  local line
  line=$(printf '%s: %.3f s of %.3f s, %.1f%%, %s (%d models, %d files)' "$label" "$index" "$scan" "$share" \
    "$verdict" "$models" "$(find "$tree" -type f | wc -l)")
  echo "  $line"; printf -- '- %s\n' "$line" >> "$report"
}
if section 5; then
heading "5. the model index pass against a one-target scan (--threads 1, median of 5; index seconds of scan seconds)"
index_share "${BENCH_MODELS_TARGET:-dcim_site.asn} in ${BENCH_MODELS_TREE:-BENCH_MODELS_TREE}" "${BENCH_MODELS_TREE:-}" \
  "${BENCH_MODELS_TARGET:-dcim_site.asn}"
index_share "responses.status_code in the Python sources" "$stdlib" responses.status_code
fi

# 6. Adversarial lines --------------------------------------------------------------------------------------
# A statement and source lines of 1 MiB and 16 MiB that name the target inside long unbroken runs (a bytea hex
# literal, minified code, a.b.c chains, quotes): every rule runs on them. PCRE2's limits bound each match (the
# tests assert that no bundled rule reaches them); this is what they cost.
if section 6; then
adv=$data/adversarial
if [ ! -f "$adv/.complete" ]; then
  rm -rf "$adv" && mkdir -p "$adv"
  python3 - "$adv" <<'PY'
import os, sys
out = sys.argv[1]
for mib in (1, 16):
    n = mib << 20
    d = os.path.join(out, "src-%d" % mib); os.makedirs(d)
    hexrun = ("0123456789abcdef" * (n // 16 + 1))[:n]
    with open(os.path.join(d, "dump.sql"), "w") as f:
        f.write("UPDATE orders SET payload = '\\x%s' WHERE orders.legacy_status = 'x';\n" % hexrun)
    unit = "a.where(b).select(c);F(x)||Q({k:\"v\"}),o.legacy_status.b.c,\"a\"\"'(a, ("
    with open(os.path.join(d, "bundle.min.js"), "w") as f:
        f.write("legacy_status " + (unit * (n // len(unit) + 1))[:n] + " Order.where(legacy_status: 1)\n")
    # One stderr log entry in the generator's format, its statement the bytea UPDATE.
    with open(os.path.join(out, "log-%d.log" % mib), "w") as f:
        f.write("2024-05-02 10:00:00.000 UTC [10001] app@shop/billing LOG:  statement: UPDATE orders SET payload = "
                "'\\x%s' WHERE orders.legacy_status = 'x'\n" % hexrun)
PY
  touch "$adv/.complete"
fi
heading "6. adversarial lines naming orders.legacy_status (a bytea literal, minified code): every rule runs on them"
for mib in 1 16; do
  bytes=$(du -cb "$adv/src-$mib"/* | tail -n 1 | cut -f1)
  add "dropscan, source, two $mib MiB lines" "$bytes" "$dropscan" scan -q --target orders.legacy_status \
    --source "$adv/src-$mib" --max-filesize 67108864 --json /dev/null
  add "dropscan, log, one $mib MiB statement" "$(wc -c < "$adv/log-$mib.log")" "$dropscan" scan -q \
    --target orders.legacy_status --logs "$adv/log-$mib.log" --log-line-prefix "$prefix" --json /dev/null
done
run_group
fi

# 7. Many targets ------------------------------------------------------------------------------------------
# 10,000 targets (orders.legacy_status and 9,999 names the logs never hold) against the logs of section 1:
# rules are compiled only for the targets a unit names, and the name prefilter costs the same for any number.
if section 7; then
targets10k=$data/targets-10000.txt
{ echo "orders.legacy_status"; for i in $(seq 1 9999); do echo "table_$i.column_$i"; done; } > "$targets10k"
heading "7. many targets over the logs of section 1"
add "dropscan, 1 target" "$plain" "$dropscan" scan -q --target orders.legacy_status --logs "$logs" --json /dev/null
add "dropscan, 10,000 targets" "$plain" "$dropscan" scan -q --targets-file "$targets10k" --logs "$logs" --json /dev/null
run_group
fi

# 8. Incremental sweeps --------------------------------------------------------------------------------
# A ledger that already holds 8 (then 16) days of gzip-compressed logs gets one day of new plain log: the sweep
# identifies every file by its first 4 KiB and reads only the new one, so its time follows the new bytes, not
# the history. The first sweep of the history is shown for scale, and a sweep with nothing new.
if section 8; then
sweep=$data/sweep
day_mib=${BENCH_SWEEP_MIB:-32}
if [ ! -f "$data/.sweep-$day_mib" ]; then
  echo "bench: generating 17 x $day_mib MiB of logs in $sweep (once)..."
  rm -rf "$sweep" && mkdir -p "$sweep/plain" "$sweep/history"
  python3 Tests/Bench/generate-logs.py "$sweep/plain" 17 "$day_mib"
  for n in $(seq -w 0 15); do gzip -6 -n -c "$sweep/plain/postgresql-$n.log" > "$sweep/history/postgresql-$n.log.gz" & done; wait
  mv "$sweep/plain/postgresql-16.log" "$sweep/new-day.log"
  rm -rf "$sweep/plain"
  touch "$data/.sweep-$day_mib"
fi
day_bytes=$(wc -c < "$sweep/new-day.log")
heading "8. incremental sweeps: one day = $day_mib MiB of log text; SQLite ledger"
note "Each sweep changes the ledger, so these run once each, in order."
all_rounds=$rounds; rounds=1
for days in 8 16; do
  run=$sweep/run-$days && rm -rf "$run" && mkdir -p "$run/logs"
  for n in $(seq 0 $((days - 1))); do cp "$sweep/history/postgresql-$(printf %02d "$n").log.gz" "$run/logs/"; done
  history_bytes=$(( day_bytes * days ))
  add "dropscan sweep, $days days of history (first run)" "$history_bytes" \
    "$dropscan" sweep -q --state "$run/ledger.sqlite" --logs "$run/logs" --target orders.legacy_status --server bench
  run_group
  cp "$sweep/new-day.log" "$run/logs/postgresql.log"
  add "dropscan sweep, 1 new day after $days days" "$day_bytes" \
    "$dropscan" sweep -q --state "$run/ledger.sqlite" --logs "$run/logs" --target orders.legacy_status --server bench
  add "dropscan sweep, nothing new ($((days + 1)) files)" "$day_bytes" \
    "$dropscan" sweep -q --state "$run/ledger.sqlite" --logs "$run/logs" --target orders.legacy_status --server bench
  add "dropscan scan of the new day alone (for scale)" "$day_bytes" \
    "$dropscan" scan -q --target orders.legacy_status --logs "$run/logs/postgresql.log" --json /dev/null
  add "dropscan ledger report --since 30d" "$history_bytes" \
    "$dropscan" ledger report -q --state "$run/ledger.sqlite" --json /dev/null
  run_group
done
rounds=$all_rounds
fi

# 9. Memory -------------------------------------------------------------------------------------------------
# Logs are read in chunks: peak RSS must not grow with their size. Four copies of section 1's files (other
# inodes, so each is read) against the files once.
if section 9; then
quad=$data/logs-x4
if [ ! -f "$quad/.complete-$files-$mib" ]; then
  rm -rf "$quad" && mkdir -p "$quad"
  for copy in 1 2 3 4; do for f in "$logs"/*.gz; do cp "$f" "$quad/copy$copy-$(basename "$f")"; done; done
  touch "$quad/.complete-$files-$mib"
fi
heading "9. memory: the logs of section 1 once and four times"
add "dropscan, 1 target, $(printf '%.1f' "$(echo "$plain / 1073741824" | bc -l)") GiB" "$plain" "$dropscan" scan -q --target orders.legacy_status --logs "$logs" --json /dev/null
add "dropscan, 1 target, $(printf '%.1f' "$(echo "$plain * 4 / 1073741824" | bc -l)") GiB" "$((plain * 4))" "$dropscan" scan -q --target orders.legacy_status --logs "$quad" --json /dev/null
run_group
fi
