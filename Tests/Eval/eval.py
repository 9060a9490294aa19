#!/usr/bin/env python3
"""Evaluate dropscan's code evidence on real applications at the commit before a real column/table drop.

Usage: eval.py --repos DIR [--dropscan PATH] [--case ID ...] [--json FILE] [--threads N]
       eval.py --check --repos DIR      # only verify the case files against the checkouts

DIR holds DIR/<case id>/before and DIR/<case id>/after (see prepare.sh). For every case in cases/*.json
this runs `dropscan scan --source BEFORE --target ... --json -`, the same on AFTER, and
`--from-migration` with the case's real migration file, then prints per case and in total:

  recall      truth files with a finding at a blocking tier (confirmed, implicit, probable) / truth files;
              `any` also counts possible findings (possibleByFile included), not-a-use never counts
  lines       truth lines with a finding at any tier / truth lines
  FB          false blockers: findings at a blocking tier in the AFTER tree, where the target is gone
              (declarations and migrations are not findings; files listed as `residual` are excluded)
  decoys      decoy files with a blocking finding in the BEFORE tree / decoy files
  verdict     the BEFORE tree's verdict; it must be `blocked`. A pass there is the worst failure.
  migration   whether --from-migration read the case's migration into the expected targets

Only the standard library is used. Nothing is downloaded.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCKING = {"confirmed", "implicit", "probable"}


def load_cases(selected):
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.json"))):
        with open(path) as f:
            case = json.load(f)
        if selected and case["id"] not in selected:
            continue
        cases.append(case)
    if selected:
        unknown = set(selected) - {c["id"] for c in cases}
        if unknown:
            sys.exit(f"eval.py: no such case: {', '.join(sorted(unknown))}")
    return cases


def relpath(path, root):
    """A finding's path relative to the scanned tree, whatever form the report gives."""
    if os.path.isabs(path):
        try:
            return os.path.relpath(path, root)
        except ValueError:
            return path
    for prefix in (root.rstrip("/") + "/", "./"):
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def run_scan(dropscan, tree, args, threads):
    cmd = [dropscan, "scan", "--source", tree, *args, "--json", "-", "--quiet", "--threads", str(threads)]
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    elapsed = time.monotonic() - started
    report = None
    if proc.stdout.strip():
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError as error:
            report = None
            proc = subprocess.CompletedProcess(cmd, proc.returncode, proc.stdout,
                                               proc.stderr + f"\n(eval.py: the JSON report did not parse: {error})")
    return proc.returncode, report, proc.stderr.strip(), elapsed


def findings_by_file(report, root):
    """{path: {"tiers": set, "lines": {line: tier}}} over every target; plus declared files."""
    files = {}
    declared = set()
    if not report:
        return files, declared
    for target in report.get("targets", []):
        code = target.get("code") or {}
        for finding in code.get("findings", []):
            path = relpath(finding["path"], root)
            entry = files.setdefault(path, {"tiers": set(), "lines": {}, "rules": set()})
            entry["tiers"].add(finding["evidence"])
            entry["rules"].add(finding.get("rule", ""))
            line = finding.get("line")
            if line is not None and finding["evidence"] != "not-a-use":
                entry["lines"][line] = finding["evidence"]
        for path in (code.get("possibleByFile") or {}):
            entry = files.setdefault(relpath(path, root), {"tiers": set(), "lines": {}, "rules": set()})
            entry["tiers"].add("possible")
        for finding in code.get("declarations", []):
            declared.add(relpath(finding["path"], root))
    return files, declared


def blocking_findings(report, root, excluded):
    """Findings at a blocking tier, as (path, line, rule, evidence), outside `excluded` files."""
    out = []
    if not report:
        return out
    for target in report.get("targets", []):
        for finding in (target.get("code") or {}).get("findings", []):
            path = relpath(finding["path"], root)
            if finding["evidence"] in BLOCKING and path not in excluded:
                out.append((path, finding.get("line"), finding.get("rule", ""), finding["evidence"]))
    return out


def normalise_target(name):
    """Fold unquoted parts to lower case as PostgreSQL does, keep quoted parts."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(name):
        ch = name[i]
        if ch == '"':
            if quoted and i + 1 < len(name) and name[i + 1] == '"':
                current += '"'
                i += 2
                continue
            quoted = not quoted
            current += ch
        elif ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch if quoted else ch.lower()
        i += 1
    parts.append(current)
    parts = [p[1:-1] if len(p) >= 2 and p.startswith('"') and p.endswith('"') else p for p in parts]
    if parts and parts[-1] == "*":
        parts = parts[:-1]
    return ".".join(parts)


def check_migration(dropscan, case, before, after, threads):
    migration = case.get("migration")
    if not migration:
        return {"status": "none", "detail": "no migration file for this case"}
    path = os.path.join(after, migration["path"])
    if not os.path.exists(path):
        return {"status": "missing", "detail": f"{migration['path']} is not in the after tree"}
    code, report, stderr, _ = run_scan(dropscan, before, ["--from-migration", path], threads)
    expected = {normalise_target(t) for t in migration["expect"]}
    got = set()
    if report:
        for target in report.get("targets", []):
            got.add(normalise_target(target.get("target", "")))
    first_line = stderr.splitlines()[0] if stderr else ""
    if code == 2:
        return {"status": "error", "exit": code, "detail": first_line or "exit 2", "targets": sorted(got)}
    if not got:
        status = "nothing" if code == 0 else "no-targets"
        return {"status": status, "exit": code, "detail": first_line or "no target read", "targets": []}
    if expected <= got:
        return {"status": "ok", "exit": code, "targets": sorted(got),
                "extra": sorted(got - expected)}
    return {"status": "wrong", "exit": code, "targets": sorted(got), "missing": sorted(expected - got)}


def check_case_lines(case, before):
    """Every listed line exists in the before tree; returns a list of problems."""
    problems = []
    for kind in ("truth", "declarations", "decoys", "residual", "import_only"):
        for entry in case.get(kind, []):
            path = os.path.join(before, entry["path"])
            if not os.path.isfile(path):
                problems.append(f"{kind}: {entry['path']} is not in the before tree")
                continue
            with open(path, "rb") as f:
                count = sum(1 for _ in f)
            for line in entry.get("lines", []):
                if not 1 <= line <= count:
                    problems.append(f"{kind}: {entry['path']}:{line} is past the end ({count} lines)")
    return problems


def evaluate(case, args):
    base = os.path.join(args.repos, case["id"])
    before, after = os.path.join(base, "before"), os.path.join(base, "after")
    result = {"id": case["id"], "ecosystem": case["ecosystem"], "targets": case["targets"]}
    for tree in (before, after):
        if not os.path.isdir(tree):
            result["error"] = f"{tree} is missing: run Tests/Eval/prepare.sh first"
            return result
    problems = check_case_lines(case, before)
    if problems:
        result["error"] = "case file does not match the checkout: " + "; ".join(problems[:3])
        return result
    target_args = [a for t in case["targets"] for a in ("--target", t)]

    code_b, report_b, stderr_b, secs_b = run_scan(args.dropscan, before, target_args, args.threads)
    code_a, report_a, stderr_a, secs_a = run_scan(args.dropscan, after, target_args, args.threads)
    result["seconds"] = round(secs_b + secs_a, 1)
    if report_b is None or report_a is None:
        result["error"] = f"dropscan gave no report (exit {code_b}/{code_a}): {(stderr_b or stderr_a)[:300]}"
        return result

    files_b, declared_b = findings_by_file(report_b, before)
    truth = case["truth"]
    found_block, found_any, as_declaration, missed = [], [], [], []
    truth_lines = hit_lines = 0
    for entry in truth:
        info = files_b.get(entry["path"])
        tiers = info["tiers"] if info else set()
        if tiers & BLOCKING:
            found_block.append(entry["path"])
        if tiers - {"not-a-use"}:
            found_any.append(entry["path"])
        else:
            missed.append(entry["path"] + (" (not-a-use)" if "not-a-use" in tiers else ""))
        if entry["path"] in declared_b:
            as_declaration.append(entry["path"])
        for line in entry.get("lines", []):
            truth_lines += 1
            if info and line in info["lines"]:
                hit_lines += 1
    weak = [e["path"] for e in truth if e["path"] in found_any and e["path"] not in found_block]

    decoys = case.get("decoys", [])
    decoys_flagged = [d["path"] for d in decoys
                      if (files_b.get(d["path"]) or {"tiers": set()})["tiers"] & BLOCKING]

    residual = {r["path"] for r in case.get("residual", [])}
    false_blockers = blocking_findings(report_a, after, residual)

    migration = check_migration(args.dropscan, case, before, after, args.threads)

    result.update({
        "verdict_before": report_b.get("verdict"), "exit_before": code_b,
        "verdict_after": report_a.get("verdict"), "exit_after": code_a,
        "truth_files": len(truth), "found_blocking": len(found_block), "found_any": len(found_any),
        "truth_lines": truth_lines, "lines_hit": hit_lines,
        "weak": weak, "missed": missed, "truth_as_declaration": as_declaration,
        "decoys": len(decoys), "decoys_flagged": decoys_flagged,
        "false_blockers": len(false_blockers),
        "false_blocker_files": len({f[0] for f in false_blockers}),
        "false_blocker_samples": [f"{p}:{l} {r} {e}" for p, l, r, e in false_blockers[:8]],
        "migration": migration,
    })
    return result


def pct(num, den):
    return "  -  " if den == 0 else f"{100.0 * num / den:5.1f}%"


def print_table(results):
    header = (f"{'case':44} {'eco':10} {'recall':>14} {'any':>7} {'lines':>9} {'FB':>5} {'FBf':>4} "
              f"{'decoys':>7} {'verdict':>12} migration")
    print(header)
    print("-" * len(header))
    totals = {"truth": 0, "block": 0, "any": 0, "lines": 0, "hit": 0, "fb": 0, "fbf": 0, "decoys": 0,
              "decoys_flagged": 0, "passes": 0, "migration_ok": 0, "migrations": 0}
    for r in results:
        if "error" in r:
            print(f"{r['id']:44} ERROR: {r['error']}")
            continue
        m = r["migration"]
        mig = m["status"] + (f" (exit {m['exit']})" if "exit" in m and m["status"] != "ok" else "")
        print(f"{r['id']:44} {r['ecosystem']:10} {r['found_blocking']:>3}/{r['truth_files']:<3}{pct(r['found_blocking'], r['truth_files'])} "
              f"{pct(r['found_any'], r['truth_files'])} {r['lines_hit']:>4}/{r['truth_lines']:<4} "
              f"{r['false_blockers']:>5} {r['false_blocker_files']:>4} "
              f"{len(r['decoys_flagged']):>3}/{r['decoys']:<3} {r['verdict_before']:>12} {mig}")
        totals["truth"] += r["truth_files"]
        totals["block"] += r["found_blocking"]
        totals["any"] += r["found_any"]
        totals["lines"] += r["truth_lines"]
        totals["hit"] += r["lines_hit"]
        totals["fb"] += r["false_blockers"]
        totals["fbf"] += r["false_blocker_files"]
        totals["decoys"] += r["decoys"]
        totals["decoys_flagged"] += len(r["decoys_flagged"])
        totals["passes"] += r["verdict_before"] == "pass"
        if m["status"] != "none":
            totals["migrations"] += 1
            totals["migration_ok"] += m["status"] == "ok"
    print("-" * len(header))
    t = totals
    print(f"{'TOTAL':44} {'':10} {t['block']:>3}/{t['truth']:<3}{pct(t['block'], t['truth'])} "
          f"{pct(t['any'], t['truth'])} {t['hit']:>4}/{t['lines']:<4} {t['fb']:>5} {t['fbf']:>4} "
          f"{t['decoys_flagged']:>3}/{t['decoys']:<3} {t['passes']:>6} passes "
          f"{t['migration_ok']}/{t['migrations']} migrations read")
    return totals


def print_details(results):
    for r in results:
        if "error" in r:
            continue
        lines = []
        if r["verdict_before"] == "pass":
            lines.append("!!! PASS WHILE THE TARGET IS STILL USED: the before tree passed "
                         f"(exit {r['exit_before']}) !!!")
        elif r["verdict_before"] != "blocked":
            lines.append(f"before-tree verdict {r['verdict_before']} (exit {r['exit_before']}), not blocked")
        if r["missed"]:
            lines.append("missed: " + ", ".join(r["missed"]))
        if r["weak"]:
            lines.append("only possible: " + ", ".join(r["weak"]))
        if r["truth_as_declaration"]:
            lines.append("truth read as declaration: " + ", ".join(r["truth_as_declaration"]))
        if r["decoys_flagged"]:
            lines.append("decoys flagged: " + ", ".join(r["decoys_flagged"]))
        if r["false_blocker_samples"]:
            lines.append(f"false blockers ({r['false_blockers']} in {r['false_blocker_files']} files), e.g.: "
                         + "; ".join(r["false_blocker_samples"][:4]))
        m = r["migration"]
        if m["status"] != "ok":
            lines.append(f"--from-migration: {m['status']}: " + json.dumps(
                {k: v for k, v in m.items() if k != 'status'}))
        elif m.get("extra"):
            lines.append("--from-migration also read: " + ", ".join(m["extra"]))
        if lines:
            print(f"\n{r['id']}:")
            for line in lines:
                print("  " + line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", required=True, help="directory of <case id>/before and <case id>/after")
    parser.add_argument("--dropscan", default=os.path.join(HERE, "..", "..", ".build", "release", "dropscan"))
    parser.add_argument("--case", action="append", default=[], help="run only this case (repeatable)")
    parser.add_argument("--json", help="also write the per-case results as JSON here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="only check the case files against the checkouts")
    args = parser.parse_args()
    args.dropscan = os.path.abspath(args.dropscan)
    cases = load_cases(args.case)

    if args.check:
        bad = 0
        for case in cases:
            before = os.path.join(args.repos, case["id"], "before")
            problems = check_case_lines(case, before) if os.path.isdir(before) else [f"{before} is missing"]
            for problem in problems:
                print(f"{case['id']}: {problem}")
            bad += bool(problems)
        print(f"{len(cases) - bad}/{len(cases)} cases match their checkouts")
        return 1 if bad else 0

    if not os.access(args.dropscan, os.X_OK):
        sys.exit(f"eval.py: {args.dropscan} is not an executable; run `make build` first")
    version = subprocess.run([args.dropscan, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"dropscan {version or '(unknown version)'} at {args.dropscan}; {len(cases)} cases; {time.strftime('%Y-%m-%d')}\n")
    results = []
    for case in cases:
        print(f"... {case['id']}", file=sys.stderr, flush=True)
        results.append(evaluate(case, args))
    totals = print_table(results)
    print_details(results)
    if totals["passes"]:
        print(f"\n!!! {totals['passes']} case(s) PASSED while the target was still used: the worst failure !!!")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "totals": totals}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
