#!/usr/bin/env bash
# Makes the change under review diffable in a shallow clone (actions/checkout and GitLab fetch 1 to 50
# commits): fetches the base branch, then deepens both sides until they share a commit, and prints the
# range the gate is given, MERGE_BASE..HEAD (what the pull request adds, whether HEAD is the pull
# request's head or the merge commit GitHub checks out).
#   fetch-base.sh BASE_BRANCH [REMOTE]        e.g. fetch-base.sh main
# Exits 2 with one sentence when the base cannot be fetched or no common commit is found.
set -euo pipefail

base=${1:?usage: fetch-base.sh BASE_BRANCH [REMOTE]}
remote=${2:-origin}
tracking="refs/remotes/$remote/$base"

if ! git fetch --quiet --no-tags --depth=1 "$remote" "+refs/heads/$base:$tracking"; then
    echo "fetch-base.sh: cannot fetch branch '$base' from $remote: check the branch name and that the job may read the repository" >&2
    exit 2
fi

# A shallow clone cuts history at its first commit, so the merge base is missing until both sides reach
# it: deepen in growing steps (GitHub's merge commit needs one more, a long-lived branch more).
depth=1
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
    if merge_base=$(git merge-base "$tracking" HEAD 2>/dev/null); then
        echo "$merge_base..HEAD"
        exit 0
    fi
    if [ "$(git rev-parse --is-shallow-repository)" = false ]; then
        break
    fi
    git fetch --quiet --no-tags --deepen="$depth" "$remote" "+refs/heads/$base:$tracking" "$(git rev-parse HEAD)"
    depth=$((depth * 2))
done
if merge_base=$(git merge-base "$tracking" HEAD 2>/dev/null); then
    echo "$merge_base..HEAD"
    exit 0
fi
echo "fetch-base.sh: '$base' and HEAD share no commit even after deepening; fetch the full history (fetch-depth: 0, GIT_DEPTH: 0)" >&2
exit 2
