#!/usr/bin/env bash
# Writes the example reports: a blocked, a passing and an inconclusive scan of the demo
# (Tests/DropScanTests/Fixtures/demo), each in every format `dropscan report` renders.
#   Reports/examples/generate.sh DROPSCAN [OUTPUT_DIRECTORY]      (make examples)
# The inputs are in Reports/examples/inputs: the migrations under review, and the demo's first log cut
# short (the first 400 bytes of its gzip stream) so that the scan cannot read it fully.
set -euo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/../.."
out=${2:-Reports/examples}
demo=Tests/DropScanTests/Fixtures/demo
inputs=Reports/examples/inputs
# The schema the demo's server ran: the demo app's models map orders and customers but not order_items,
# so without it the model index cannot tell how the code would use order_items (inconclusive).
schema=Tests/DropScanTests/Fixtures/postgres/shop/schema.sql
# Links and the job summary come from CI variables; the examples must not depend on where they are made.
unset GITHUB_SERVER_URL GITHUB_REPOSITORY GITHUB_SHA CI_PROJECT_URL CI_COMMIT_SHA GITHUB_STEP_SUMMARY

example() {
    local name=$1 expected=$2
    shift 2
    mkdir -p "$out/$name"
    local status=0
    "$bin" scan --quiet --patterns-dir Patterns "$@" --json "$out/$name/report.json" 2>/dev/null || status=$?
    if [ "$status" != "$expected" ]; then
        echo "generate.sh: the $name example exited $status, not $expected" >&2
        exit 1
    fi
    # The run record holds what differs between two runs of the same scan: its times, the files'
    # device:inode identities and the output paths. Fixed values here keep the examples reproducible; the
    # JSON is then written again by dropscan itself, so its form is the reporter's.
    /usr/bin/python3 - "$out/$name/report.json" "$out" <<'PY'
import json, sys
path, out = sys.argv[1], sys.argv[2].rstrip("/") + "/"
report = json.load(open(path))
run = report["run"]
run["startedAt"] = run["endedAt"] = "2026-01-01T00:00:00.000Z"
for item in run["inputs"]:
    item["identity"] = "example"
run["commandLine"] = [
    "Reports/examples/" + arg[len(out):] if arg.startswith(out) else arg for arg in run["commandLine"]
]
json.dump(report, open(path, "w"))
PY
    "$bin" report --report "$out/$name/report.json" --format json --output "$out/$name/report.json"
    "$bin" report --report "$out/$name/report.json" --format md --output "$out/$name/report.md"
    "$bin" report --report "$out/$name/report.json" --format sarif --output "$out/$name/report.sarif"
    "$bin" report --report "$out/$name/report.json" --format junit --output "$out/$name/report.junit.xml"
    "$bin" report --report "$out/$name/report.json" --format github --output "$out/$name/report.github.txt"
    "$bin" report --report "$out/$name/report.json" --format gitlab --output "$out/$name/report.gitlab.json"
}

example blocked 1 --from-migration "$inputs/contract-blocked.sql" --logs "$demo/logs" --source "$demo/app" \
    --schema "$schema"
example pass 0 --from-migration "$inputs/contract-pass.sql" --logs "$demo/logs" --source "$demo/app" --schema "$schema"
example inconclusive 3 --from-migration "$inputs/contract-pass.sql" --logs "$demo/logs" \
    --logs "$inputs/truncated.log.gz" --source "$demo/app" --schema "$schema"
