#!/usr/bin/env bash
# The bench's real-server traffic (run by Tests/DropScanTests/Fixtures/postgres/run-workload.sh): three
# applications at once for $BENCH_SERVER_SECONDS seconds, over the shop schema, with pgbench:
#   shop-web (extended protocol), billing (prepared statements), metabase (simple protocol); one transaction
#   in about 300 reads orders.legacy_status (rare.pgbench). With BENCH_SERVER_VARIED=1 every statement
#   carries many random literals (the simple protocol logs them in the text): a less compressible log.
set -eu
seconds=${BENCH_SERVER_SECONDS:-20}
quiet='-c log_statement=none -c log_min_duration_statement=-1'
PGOPTIONS=$quiet PGAPPNAME=setup $PSQL >/dev/null <<'SQL'
CREATE ROLE shop_web LOGIN SUPERUSER;
CREATE ROLE billing_svc LOGIN SUPERUSER;
CREATE ROLE analyst LOGIN SUPERUSER;
CREATE DATABASE shop;
SQL
PGOPTIONS=$quiet PGAPPNAME=setup PGDATABASE=shop $PSQL -f ../../DropScanTests/Fixtures/postgres/shop/schema.sql
if [ "${BENCH_SERVER_VARIED:-0}" = 1 ]; then
  PGAPPNAME=shop-web PGUSER=shop_web PGDATABASE=shop $PGBENCH -n -M simple -c 2 -T "$seconds" \
    -f varied.pgbench@300 -f rare.pgbench@1 >/dev/null 2>&1 &
  PGAPPNAME=billing PGUSER=billing_svc PGDATABASE=shop $PGBENCH -n -M simple -c 1 -T "$seconds" \
    -f varied.pgbench >/dev/null 2>&1 &
else
  PGAPPNAME=shop-web PGUSER=shop_web PGDATABASE=shop $PGBENCH -n -M extended -c 2 -T "$seconds" \
    -f web.pgbench@300 -f rare.pgbench@1 >/dev/null 2>&1 &
  PGAPPNAME=billing PGUSER=billing_svc PGDATABASE=shop $PGBENCH -n -M prepared -c 1 -T "$seconds" \
    -f billing.pgbench >/dev/null 2>&1 &
  PGAPPNAME=metabase PGUSER=analyst PGDATABASE=shop $PGBENCH -n -M simple -c 1 -T "$seconds" \
    -f report.pgbench@50 -f rare.pgbench@1 >/dev/null 2>&1 &
fi
wait
