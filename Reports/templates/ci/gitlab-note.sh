#!/usr/bin/env bash
# Posts REPORT.md as a note on a GitLab merge request, or updates the note an earlier run posted (found
# by the hidden marker every dropscan Markdown report starts with). GitLab's CI_JOB_TOKEN may not write
# notes, so the job needs a project access token (role Reporter, scope api) in a masked CI/CD variable.
#   gitlab-note.sh REPORT.md
# Environment (GitLab sets all but the token): DROPSCAN_GITLAB_TOKEN, CI_API_V4_URL, CI_PROJECT_ID,
# CI_MERGE_REQUEST_IID. Needs curl and jq.
set -euo pipefail

body=${1:?usage: gitlab-note.sh REPORT.md}
: "${DROPSCAN_GITLAB_TOKEN:?DROPSCAN_GITLAB_TOKEN is not set: add a project access token as a masked CI/CD variable}"
: "${CI_API_V4_URL:?CI_API_V4_URL is not set: run in GitLab CI}"
: "${CI_PROJECT_ID:?CI_PROJECT_ID is not set: run in GitLab CI}"
: "${CI_MERGE_REQUEST_IID:?CI_MERGE_REQUEST_IID is not set: run in a merge request pipeline}"
marker='<!-- dropscan-report -->'
notes="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
auth="PRIVATE-TOKEN: $DROPSCAN_GITLAB_TOKEN"

if [ "$(head -n 1 "$body")" != "$marker" ]; then
    echo "gitlab-note.sh: $body does not start with $marker: is it a dropscan Markdown report?" >&2
    exit 2
fi
# The token's own user: only its notes are candidates.
me=$(curl --silent --show-error --fail --header "$auth" "$CI_API_V4_URL/user" | jq -r .id)
existing=""
page=1
while [ -z "$existing" ]; do
    batch=$(curl --silent --show-error --fail --header "$auth" "$notes?per_page=100&page=$page")
    existing=$(jq -r --arg marker "$marker" --argjson me "$me" \
        'map(select(.author.id == $me and (.body | startswith($marker)))) | first | .id // empty' <<<"$batch")
    [ "$(jq length <<<"$batch")" -lt 100 ] && break
    page=$((page + 1))
done
if [ -n "$existing" ]; then
    curl --silent --show-error --fail --request PUT --header "$auth" --data-urlencode "body@$body" \
        "$notes/$existing" | jq -r '"updated note \(.id)"'
else
    curl --silent --show-error --fail --request POST --header "$auth" --data-urlencode "body@$body" \
        "$notes" | jq -r '"created note \(.id)"'
fi
