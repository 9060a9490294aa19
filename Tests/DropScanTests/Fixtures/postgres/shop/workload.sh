#!/usr/bin/env bash
# The shop's traffic, with known uses per application, user and database (asserted by DropScanTests):
#   orders.legacy_status   shop-web 5 (extended protocol; shop_web@shop), billing 4 (prepared;
#                          billing_svc@shop), metabase 2 (multi-line; analyst@reporting),
#                          "report [v2]: ops@night" 2 (analyst@reporting)
#   orders.legacy_code     psql: 1 failed statement (the column does not exist; postgres@shop)
#   customers.status       metabase 1; shop-web's orders.status and a decoy table never count
#   orders.* (SELECT *)    nightly-export 1 (implicit; postgres@shop)
set -eu
quiet='-c log_statement=none -c log_min_duration_statement=-1'
PGOPTIONS=$quiet PGAPPNAME=setup $PSQL >/dev/null <<'SQL'
CREATE ROLE shop_web LOGIN SUPERUSER;
CREATE ROLE billing_svc LOGIN SUPERUSER;
CREATE ROLE analyst LOGIN SUPERUSER;
CREATE DATABASE shop;
CREATE DATABASE reporting;
SQL
PGOPTIONS=$quiet PGAPPNAME=setup PGDATABASE=shop $PSQL -f schema.sql
PGOPTIONS=$quiet PGAPPNAME=setup PGDATABASE=reporting $PSQL -f schema.sql
PGAPPNAME=shop-web PGUSER=shop_web PGDATABASE=shop $PGBENCH -n -M extended -c 1 -t 5 -f web.pgbench >/dev/null 2>&1
PGAPPNAME=billing PGUSER=billing_svc PGDATABASE=shop $PGBENCH -n -M prepared -c 1 -t 4 -f billing.pgbench >/dev/null 2>&1
PGAPPNAME=metabase PGUSER=analyst PGDATABASE=reporting $PSQL >/dev/null <<'SQL'
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
PGAPPNAME='report [v2]: ops@night' PGUSER=analyst PGDATABASE=reporting $PSQL >/dev/null <<'SQL'
SELECT legacy_status FROM orders WHERE id = 2;
SELECT legacy_status FROM orders WHERE id = 3;
SQL
PGAPPNAME=nightly-export PGDATABASE=shop $PSQL -c 'SELECT * FROM orders' >/dev/null
# Rotate, so that the workload spans two files per format.
sleep 1.1
$PSQL -c 'SELECT pg_rotate_logfile()' >/dev/null
sleep 0.2
PGAPPNAME=psql PGDATABASE=shop $PSQL >/dev/null 2>&1 <<'SQL'
SELECT legacy_code FROM orders WHERE id = 1;
SELECT id FROM audit_log WHERE note = 'legacy_status cleanup';
SELECT legacy_status FROM archived_orders WHERE id = 1;
SQL
