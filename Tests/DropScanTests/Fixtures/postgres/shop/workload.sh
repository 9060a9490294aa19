#!/usr/bin/env bash
# The shop's traffic, with known per-application uses (asserted by DropScanTests):
#   orders.legacy_status   shop-web 5 (extended protocol), billing 4 (prepared), metabase 2 (multi-line)
#   orders.legacy_code     psql: 1 failed statement (the column does not exist)
#   customers.status       metabase 1; shop-web's orders.status and a decoy table never count
#   orders.* (SELECT *)    nightly-export 1 (implicit)
set -eu
PGOPTIONS='-c log_statement=none -c log_min_duration_statement=-1' PGAPPNAME=setup $PSQL -f schema.sql
PGAPPNAME=shop-web $PGBENCH -n -M extended -c 1 -t 5 -f web.pgbench >/dev/null 2>&1
PGAPPNAME=billing $PGBENCH -n -M prepared -c 1 -t 4 -f billing.pgbench >/dev/null 2>&1
PGAPPNAME=metabase $PSQL >/dev/null <<'SQL'
SELECT o.legacy_status,
       count(*)
  FROM orders o
 GROUP BY 1;
SELECT status FROM customers WHERE id = 1;
SELECT o.legacy_status,
       count(*)
  FROM orders o
 GROUP BY 1;
SQL
PGAPPNAME=nightly-export $PSQL -c 'SELECT * FROM orders' >/dev/null
# Rotate, so that the workload spans two files per format.
sleep 1.1
$PSQL -c 'SELECT pg_rotate_logfile()' >/dev/null
sleep 0.2
PGAPPNAME=psql $PSQL >/dev/null 2>&1 <<'SQL'
SELECT legacy_code FROM orders WHERE id = 1;
SELECT id FROM audit_log WHERE note = 'legacy_status cleanup';
SELECT legacy_status FROM archived_orders WHERE id = 1;
SQL
