#!/usr/bin/env bash
# Posts REPORT.md on a GitHub pull request, or updates the comment an earlier run posted: that comment
# is found by the hidden marker every dropscan Markdown report starts with, so a push updates one
# comment instead of adding one. Uses the GitHub CLI (`gh api`, preinstalled on GitHub's runners).
#   github-comment.sh REPORT.md PULL_REQUEST_NUMBER
# Environment: GH_TOKEN (a token that may write pull requests: the job's github.token with
# pull-requests: write), GITHUB_REPOSITORY (owner/name), DROPSCAN_COMMENT_AUTHOR (whose comments
# are searched; default github-actions[bot], the login of github.token).
set -euo pipefail

body=${1:?usage: github-comment.sh REPORT.md PULL_REQUEST_NUMBER}
number=${2:?usage: github-comment.sh REPORT.md PULL_REQUEST_NUMBER}
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY (owner/name) is not set}"
: "${GH_TOKEN:?GH_TOKEN is not set: give the job pull-requests: write and GH_TOKEN: github.token}"
author=${DROPSCAN_COMMENT_AUTHOR:-github-actions[bot]}
marker='<!-- dropscan-report -->'

if [ "$(head -n 1 "$body")" != "$marker" ]; then
    echo "github-comment.sh: $body does not start with $marker: is it a dropscan Markdown report?" >&2
    exit 2
fi
# --paginate reads every page; the jq filter runs on each.
existing=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$number/comments" \
    --jq ".[] | select(.user.login == \"$author\" and (.body | startswith(\"$marker\"))) | .id" | head -n 1)
if [ -n "$existing" ]; then
    gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -F "body=@$body" --jq .html_url
else
    gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$number/comments" -F "body=@$body" --jq .html_url
fi
