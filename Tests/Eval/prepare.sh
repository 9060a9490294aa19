#!/bin/bash
# Prepare the checkouts `make eval` reads: for every case in Tests/Eval/cases, the tree before and after
# the removing change, written to REPOS/<case id>/before and REPOS/<case id>/after.
#
# Usage: Tests/Eval/prepare.sh REPOS owner/name=GIT_DIR [owner/name=GIT_DIR ...]
#        MIRRORS=/work/.mirror Tests/Eval/prepare.sh REPOS      # GIT_DIR = $MIRRORS/owner+name/repo
#
# GIT_DIR is a local clone or bare mirror that contains the case's commits (a plain `git clone` of the
# public repository does). This script never downloads anything; a case whose repository is not given is
# skipped with a message. Existing checkouts are kept (delete REPOS/<case id> to redo one).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { sed -n 2,11p "$0" >&2; exit 2; }
repos="$1"; shift
declare -A gitdir=()
for arg in "$@"; do
  case "$arg" in
    */*=*) gitdir["${arg%%=*}"]="${arg#*=}" ;;
    *) echo "prepare.sh: expected owner/name=GIT_DIR, got: $arg" >&2; exit 2 ;;
  esac
done
mkdir -p "$repos"
status=0
for case_file in "$here"/cases/*.json; do
  read -r id repo before after < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print(c["id"], c["repo"], c["before"], c["after"])' "$case_file")
  dir="${gitdir[$repo]:-}"
  if [ -z "$dir" ] && [ -n "${MIRRORS:-}" ]; then dir="$MIRRORS/${repo/\//+}/repo"; fi
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "prepare.sh: $id: no repository for $repo (give $repo=GIT_DIR or MIRRORS=...); skipped" >&2
    status=1; continue
  fi
  for side in before after; do
    commit="$before"; [ "$side" = after ] && commit="$after"
    dest="$repos/$id/$side"
    if [ -d "$dest" ] && [ -n "$(ls -A "$dest")" ]; then echo "$dest: kept"; continue; fi
    if ! git --git-dir="$dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "prepare.sh: $id: commit $commit is not in $dir; skipped" >&2; status=1; continue
    fi
    python3 "$here/checkout.py" "$dir" "$commit" "$dest"
  done
done
exit $status
