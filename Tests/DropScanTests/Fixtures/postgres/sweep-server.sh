#!/usr/bin/env bash
# A throw-away PostgreSQL server for the sweep tests, run one simulated day at a time: its clock is set
# back with libfaketime (Debian package faketime), so that each day's statements carry that day's times.
# It logs every statement (log_statement = 'all', the default prefix '%m [%p] ') to DIR/logs/postgresql.log,
# which the tests rotate between days as logrotate would.
#
#   sweep-server.sh init DIR              initdb in DIR/data (trust authentication, Unix socket in DIR)
#   sweep-server.sh start DIR DAYS_AGO    starts the server with its clock DAYS_AGO days back
#   sweep-server.sh psql DIR FILE         runs the SQL file FILE (stops at the first error)
#   sweep-server.sh stop DIR              stops the server (fast shutdown)
#   sweep-server.sh remove DIR            stops it if running and removes DIR/data (the logs stay)
#
# libfaketime does not reach the postmaster's own lines once it has forked its children ("ready to accept
# connections", the shutdown lines): those few lines carry the real time. Sessions, the startup process
# and the checkpointer carry the simulated day's. initdb and postgres refuse to run as root: as root, the
# server runs as the 'postgres' system user that Debian's package creates.
set -euo pipefail
command=$1; dir=$2; shift 2
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/initdb" ] || { echo "sweep-server.sh: no PostgreSQL server binaries (install the Debian package 'postgresql')" >&2; exit 2; }
faketime=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true)
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $command in
init)
  mkdir -p "$dir/logs"
  [ "$(id -u)" = 0 ] && chown postgres "$dir" "$dir/logs"
  as_server "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
  {
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$dir'"
    echo "lc_messages = 'C'"
    echo "logging_collector = on"
    echo "log_directory = '$dir/logs'"
    echo "log_filename = 'postgresql.log'"
    echo "log_file_mode = 0644"
    echo "log_statement = 'all'"
    echo "log_timezone = 'UTC'"
    echo "update_process_title = off"
  } >> "$dir/data/postgresql.conf"
  ;;
start)
  # The server may not keep a descriptor the caller handed down (a caller that waits for its child's
  # descriptors to close would wait for the server to stop).
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}; if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  [ -n "$faketime" ] || { echo "sweep-server.sh: libfaketime not found (install the Debian package 'faketime')" >&2; exit 2; }
  as_server env LD_PRELOAD="$faketime" FAKETIME="-${1}d" "$bindir/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" start </dev/null >/dev/null 2>&1
  ;;
psql)
  "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -U postgres -d postgres -f "$1" >/dev/null
  ;;
stop)
  as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
remove)
  as_server "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir/data"
  ;;
*)
  echo "usage: sweep-server.sh init|start|psql|stop|remove DIR [...]" >&2; exit 2
  ;;
esac
