#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server (initdb in a temporary folder, a free port, logging on), restarts,
# reloads and checkpoints it as servers do (so that a log begins with many lines no session wrote), runs a
# workload against it, stops it and copies its log files to OUTDIR.
#
#   run-workload.sh OUTDIR WORKLOAD_DIR [name=value ...]
#
# Each name=value is appended to postgresql.conf (e.g. "log_statement='all'"). The workload is
# WORKLOAD_DIR/workload.sh, run with $PSQL and $PGBENCH set up for the server and its own folder as the
# working directory. initdb and postgres refuse to run as root: as root, the server runs as the
# 'postgres' system user that Debian's package creates.
set -euo pipefail
out=$1; workload=$(cd "$2" && pwd); shift 2
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/initdb" ] || { echo "run-workload.sh: no PostgreSQL server binaries found (install the Debian package 'postgresql')" >&2; exit 2; }
tmp=$(mktemp -d /tmp/dropscan-pg.XXXXXX)
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_server "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_server "$bindir/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
{
  echo "listen_addresses = '127.0.0.1'"
  echo "port = $port"
  echo "unix_socket_directories = '$tmp'"
  echo "logging_collector = on"
  echo "log_directory = 'log'"
  echo "log_filename = 'postgresql-%H%M%S.log'"
  echo "log_timezone = 'UTC'"
  echo "lc_messages = 'C'"
  echo "log_connections = on"
  echo "log_checkpoints = on"
  for setting in "$@"; do echo "$setting"; done
} >> "$tmp/data/postgresql.conf"
as_server "$bindir/pg_ctl" -D "$tmp/data" -w -l "$tmp/startup.log" start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
export PSQL="$bindir/psql -X -q -v ON_ERROR_STOP=0"
# Start-up, reload and checkpoint lines first: two restarts, three reloads, 150 checkpoints (written by the
# checkpointer, a background process), with statement logging off for the sessions that ask for them.
for _ in 1 2; do as_server "$bindir/pg_ctl" -D "$tmp/data" -m fast -w -l "$tmp/startup.log" restart >/dev/null; done
quiet="-c log_statement=none -c log_min_duration_statement=-1 -c log_min_error_statement=panic"
for _ in 1 2 3; do PGOPTIONS=$quiet PGAPPNAME=ops $PSQL -c 'SELECT pg_reload_conf()' >/dev/null; sleep 0.1; done
for _ in $(seq 150); do echo 'CHECKPOINT;'; done | PGOPTIONS=$quiet PGAPPNAME=ops $PSQL >/dev/null
export PGBENCH="$bindir/pgbench"
[ -x "$bindir/pgbench" ] || PGBENCH=$(command -v pgbench)
(cd "$workload" && bash ./workload.sh)
as_server "$bindir/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null
mkdir -p "$out"
cp "$tmp"/data/log/* "$out"/
[ "$(id -u)" = 0 ] && chown -R "$(stat -c %u "$out"/..):$(stat -c %g "$out"/..)" "$out" 2>/dev/null || true
ls "$out"
