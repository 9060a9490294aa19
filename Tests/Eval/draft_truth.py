#!/usr/bin/env python3
"""Draft the truth of one evaluation case from the removing change (a reading aid, not the truth itself).

Usage: draft_truth.py GIT_DIR BEFORE AFTER NAME [NAME...]

For every file the change BEFORE..AFTER edited, prints the lines of the BEFORE tree that the change
deleted or replaced and that contain one of NAME (case-insensitive), and lists the edited files whose
changed lines contain none of them. Every hunk is then read by hand (git show -U3) before a file goes into
a case's `truth`, `declarations` or `unrelated_edits`; this script only saves the line counting.
"""
import re
import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    git_dir, before, after, *names = sys.argv[1:]
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    diff = subprocess.run(
        ["git", "--git-dir", git_dir, "diff", "-U0", "--no-color", "--no-renames", before, after],
        check=True, capture_output=True, text=True, errors="replace").stdout
    path = None
    old_line = 0
    hits: dict[str, list[int]] = {}
    edited: list[str] = []
    for line in diff.splitlines():
        if line.startswith("--- "):
            continue
        if line.startswith("diff --git "):
            path = line.split(" b/", 1)[0][len("diff --git a/"):]
            edited.append(path)
            continue
        if line.startswith("@@"):
            m = re.match(r"@@ -(\d+)", line)
            old_line = int(m.group(1)) if m else 0
            continue
        if line.startswith("+++"):
            continue
        if line.startswith("-"):
            if pattern.search(line[1:]):
                hits.setdefault(path, []).append(old_line)
            old_line += 1
    for p in edited:
        if p in hits:
            print(f"HIT   {p}: {hits[p]}")
    for p in edited:
        if p not in hits:
            print(f"OTHER {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
