#!/usr/bin/env bash
# Prints every migration file that the change RANGE adds or modifies, one path a line (relative to the
# repository root), for `dropscan gate --from-migration`. Known layouts:
#   Flyway      db/migration/V<version>__<name>.sql (also under src/main/resources/)
#   Liquibase   db/changelog/** and *changelog*.{xml,yaml,yml,json,sql}
#   Alembic     alembic/versions/*.py, migrations/versions/*.py
#   Django      <app>/migrations/0001_<name>.py
#   Rails       db/migrate/<timestamp>_<name>.rb
#   Prisma      prisma/migrations/<name>/migration.sql
#   Knex, Sequelize, TypeORM, plain SQL, golang-migrate, dbmate
#               migration(s)/*.{js,cjs,mjs,ts,sql} (db/ and src/ included), *.up.sql
#   find-migrations.sh BASE..HEAD [REPOSITORY]
set -euo pipefail

range=${1:?usage: find-migrations.sh BASE..HEAD [REPOSITORY]}
repository=${2:-.}

patterns=(
    '(^|/)db/migration/(.*/)?V[0-9][0-9._]*__[^/]+\.sql$'
    '(^|/)db/changelog/.+\.(xml|ya?ml|json|sql)$'
    '(^|/)[^/]*changelog[^/]*\.(xml|ya?ml|json|sql)$'
    '(^|/)(alembic|migrations)/versions/[^/]+\.py$'
    '(^|/)migrations/[0-9]{4}_[^/]+\.py$'
    '(^|/)db/migrate/[0-9]+_[^/]+\.rb$'
    '(^|/)prisma/migrations/[^/]+/migration\.sql$'
    '(^|/)migrations?/[^/]+\.(js|cjs|mjs|ts|sql)$'
    '\.up\.sql$'
)
joined=$(IFS='|'; echo "${patterns[*]}")

# Added (A) and modified (M) files; a deleted migration removes nothing from the database.
git -C "$repository" diff --name-only --no-renames --diff-filter=AM -z "$range" -- |
    while IFS= read -r -d '' path; do
        case $path in
            *$'\n'*) echo "find-migrations.sh: skipping a path with a line break: name its targets with --target" >&2 ;;
            *.d.ts) ;;
            *) if [[ $path =~ $joined ]]; then printf '%s\n' "$path"; fi ;;
        esac
    done
