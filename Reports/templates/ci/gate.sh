#!/usr/bin/env bash
# Runs `dropscan gate` on the change under review and writes every report into OUTPUT_DIR, which must
# lie outside the scanned source tree (a report names the targets, so a later scan would find it):
#   report.json, report.md (the comment), report.sarif, report.junit.xml, report.gitlab.json,
#   migrations.txt (what find-migrations.sh found), exit-code (0 pass, 1 blocked, 2 error,
#   3 inconclusive, or "none" when the change holds no migration).
# In GitHub Actions (GITHUB_ACTIONS=true) it also prints the annotations and appends the job summary.
# The script itself exits 0 once the reports are written: the job's last step fails on exit-code, so that
# the comment and the uploads run first.
#   gate.sh BASE..HEAD OUTPUT_DIR
# Environment: DROPSCAN (the binary; default dropscan on PATH), DROPSCAN_POLICY (the policy file;
# default .dropscan/policy.yml when present), DROPSCAN_LOGS (the exported logs, outside the repository),
# DROPSCAN_TARGETS (a targets file, needed for migrations dropscan cannot read: Liquibase XML, YAML, JSON;
# default .dropscan/targets.txt when present), DROPSCAN_ARGS (more options, split on spaces).
set -euo pipefail

range=${1:?usage: gate.sh BASE..HEAD OUTPUT_DIR}
out=${2:?usage: gate.sh BASE..HEAD OUTPUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
dropscan=${DROPSCAN:-dropscan}
policy=${DROPSCAN_POLICY:-}
if [ -z "$policy" ] && [ -f .dropscan/policy.yml ]; then policy=.dropscan/policy.yml; fi
targets=${DROPSCAN_TARGETS:-}
if [ -z "$targets" ] && [ -f .dropscan/targets.txt ]; then targets=.dropscan/targets.txt; fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
case "$out/" in
    "$(pwd)/"*)
        echo "gate.sh: $out is inside the scanned source tree $(pwd): write the reports outside it (\$RUNNER_TEMP, /tmp)" >&2
        exit 2
        ;;
esac
"$here/find-migrations.sh" "$range" >"$out/migrations.txt"

arguments=(gate --diff "$range" --source .)
unread=()
while IFS= read -r migration; do
    case $migration in
        *.sql | *.rb | *.py | *.js | *.cjs | *.mjs | *.ts) arguments+=(--from-migration "$migration") ;;
        *) unread+=("$migration") ;;
    esac
done <"$out/migrations.txt"
if [ -n "$targets" ]; then arguments+=(--targets-file "$targets"); fi
if [ -n "$policy" ]; then arguments+=(--policy "$policy"); fi
if [ -n "${DROPSCAN_LOGS:-}" ]; then arguments+=(--logs "$DROPSCAN_LOGS"); fi
if [ -n "${DROPSCAN_ARGS:-}" ]; then
    read -r -a extra <<<"$DROPSCAN_ARGS"
    arguments+=("${extra[@]}")
fi
arguments+=(--json "$out/report.json" --markdown "$out/report.md" --sarif "$out/report.sarif")

# A report that says why there is no verdict, with the marker that lets the comment be updated in place.
failure_report() {
    local fence='````````'
    {
        echo '<!-- dropscan-report -->'
        echo '## ⚠️ dropscan could not decide'
        echo
        echo "$1"
        echo
        echo "$fence"
        cat "$out/stderr.txt"
        echo "$fence"
    } >"$out/report.md"
}

if [ ${#unread[@]} -gt 0 ] && [ -z "$targets" ]; then
    {
        echo "dropscan does not read these migrations (Liquibase XML, YAML or JSON changelogs):"
        printf '  %s\n' "${unread[@]}"
        echo "List the tables and columns they drop or rename in .dropscan/targets.txt (one a line), or write the"
        echo "changelog as Liquibase formatted SQL."
    } | tee "$out/stderr.txt" >&2
    failure_report "The pull request holds migrations dropscan cannot read."
    echo 2 >"$out/exit-code"
    exit 0
fi

status=0
"$dropscan" "${arguments[@]}" 2>"$out/stderr.txt" || status=$?
cat "$out/stderr.txt" >&2
if [ ! -s "$out/migrations.txt" ] && [ "$status" = 2 ] && grep -q 'nothing to gate' "$out/stderr.txt"; then
    # No migration by the layouts above, and none that dropscan recognises drops anything.
    echo none >"$out/exit-code"
    exit 0
fi
echo "$status" >"$out/exit-code"
if [ "$status" = 2 ] || [ ! -s "$out/report.json" ]; then
    failure_report "dropscan stopped with a usage or configuration error (exit $status):"
    exit 0
fi
for format in junit gitlab; do
    extension=$([ "$format" = junit ] && echo junit.xml || echo gitlab.json)
    "$dropscan" report --report "$out/report.json" --format "$format" --output "$out/report.$extension"
done
if [ "${GITHUB_ACTIONS:-}" = true ]; then
    "$dropscan" report --report "$out/report.json" --format github
fi
