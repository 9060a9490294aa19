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
    "$bin" report --report "$out/$name/report.json" --format md --output "$out/$name/report.md"
    "$bin" report --report "$out/$name/report.json" --format sarif --output "$out/$name/report.sarif"
    "$bin" report --report "$out/$name/report.json" --format junit --output "$out/$name/report.junit.xml"
    "$bin" report --report "$out/$name/report.json" --format github --output "$out/$name/report.github.txt"
    "$bin" report --report "$out/$name/report.json" --format gitlab --output "$out/$name/report.gitlab.json"
}

example blocked 1 --from-migration "$inputs/contract-blocked.sql" --logs "$demo/logs" --source "$demo/app"
example pass 0 --from-migration "$inputs/contract-pass.sql" --logs "$demo/logs" --source "$demo/app"
example inconclusive 3 --from-migration "$inputs/contract-pass.sql" --logs "$demo/logs" \
    --logs "$inputs/truncated.log.gz" --source "$demo/app"
