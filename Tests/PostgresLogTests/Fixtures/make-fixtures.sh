#!/usr/bin/env bash
# Regenerates the real-server log fixtures of PostgresLogTests.
#
# Starts a throw-away PostgreSQL 15 cluster (as the `postgres` system user, in a temp dir, on a free port,
# with logging_collector=on and log_destination='stderr,csvlog,jsonlog'), runs a small psql workload and
# pgbench in extended and prepared mode, stops the server and copies the three log files here, gzipped.
#
#   run 1 "all":      log_statement='all', prefix '%m [%p] %q%u@%d/%a ', log_timezone='Europe/Paris'
#   run 2 "duration": log_statement='none', log_min_duration_statement=0,
#                     prefix '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ', log_timezone='UTC';
#                     one session also sets log_statement='all' (to show that the text is logged once)
#                     and loads auto_explain.
#
# Usage: run as root from anywhere: Tests/PostgresLogTests/Fixtures/make-fixtures.sh
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/dropscan-fixtures.XXXXXX)
chown postgres: "$WORK"
chmod 755 "$WORK"
as_pg() { runuser -u postgres -- "$@"; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

PORT=$(free_port)
trap 'as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust --no-sync >/dev/null

start_server() { # $1 = extra config file content
    cat >>"$WORK/data/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
logging_collector = on
log_directory = '$WORK/log'
log_filename = 'postgresql.log'
log_destination = 'stderr,csvlog,jsonlog'
lc_messages = 'C'
$1
EOF
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -w -l "$WORK/pg_ctl.out" start >/dev/null
}

stop_server() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null
}

run_psql() { # $1 = application_name, stdin = SQL
    PGAPPNAME="$1" as_pg psql -X -q -h "$WORK" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=0 >/dev/null 2>&1 || true
}

run_pgbench() { # args
    as_pg pgbench -h "$WORK" -p "$PORT" -U postgres "$@" postgres >/dev/null 2>&1
}

workload() {
    run_psql fixture-psql <<'SQL'
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, legacy_col text, amount numeric);
INSERT INTO orders VALUES (1, 10, 'a', 1.5), (2, 11, 'it''s', 2.5);
SELECT id,
       legacy_col
  FROM orders
 WHERE customer_id = 10;
SELECT "legacy_col" FROM orders WHERE id = 2 -- a comment with "quotes"
;
SELECT no_such_col FROM orders;
SELECT * FROM no_such_table;
PREPARE get_order (int) AS SELECT id, legacy_col FROM orders WHERE id = $1;
EXECUTE get_order(1);
DO $$
DECLARE v text;
BEGIN
  SELECT missing_col INTO v FROM orders WHERE id = 1;
END
$$;
SELECT 'tab	inside', E'line1\nline2';
SQL
    run_pgbench -i -s 1 -q
    run_pgbench -M extended -c 1 -t 3
    run_pgbench -M prepared -c 1 -t 3
}

# Run 1: log_statement=all.
start_server "log_statement = 'all'
log_line_prefix = '%m [%p] %q%u@%d/%a '
log_timezone = 'Europe/Paris'"
workload
stop_server
cp "$WORK/log/postgresql.log" "$HERE/all.log"
cp "$WORK/log/postgresql.csv" "$HERE/all.csv"
cp "$WORK/log/postgresql.json" "$HERE/all.json"

# Run 2: log_min_duration_statement=0 only, another prefix.
rm -rf "$WORK/log"
sed -i '/^log_statement\|^log_line_prefix\|^log_timezone\|^port\|^listen_addresses\|^unix_socket\|^logging_collector\|^log_directory\|^log_filename\|^log_destination\|^lc_messages/d' \
    "$WORK/data/postgresql.conf"
start_server "log_statement = 'none'
log_min_duration_statement = 0
log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '
log_timezone = 'UTC'"
run_psql fixture-psql <<'SQL'
SELECT id, legacy_col FROM orders WHERE id = 1;
SELECT no_such_col FROM orders;
SET log_statement = 'all';
SELECT 42 AS both_settings;
RESET log_statement;
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SELECT count(*) FROM orders WHERE legacy_col IS NOT NULL;
SQL
run_pgbench -M extended -c 1 -t 2
run_pgbench -M prepared -c 1 -t 2
stop_server
cp "$WORK/log/postgresql.log" "$HERE/duration.log"
cp "$WORK/log/postgresql.csv" "$HERE/duration.csv"
cp "$WORK/log/postgresql.json" "$HERE/duration.json"
# Committed compressed (the tests inflate them with zlib): gzip -9n keeps them small and reproducible.
for f in all.log all.csv all.json duration.log duration.csv duration.json; do
    gzip -9nf "$HERE/$f"
done
chmod 644 "$HERE"/*.gz
ls -l "$HERE"
