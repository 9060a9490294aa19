#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server that a test keeps running while it connects to it
# (initdb in a temporary folder, a free port on 127.0.0.1, trust authentication, pg_stat_statements
# preloaded from postgresql-contrib).
#
#   server.sh start DIR [name=value ...]   prints the port; the data folder is DIR/data
#   server.sh stop DIR                     stops the server and removes DIR
#
# A started server also stops by itself once the process that started the script (a test run) has ended,
# so that a test that keeps one for a whole suite never leaves it behind.
#
# Each name=value is appended to postgresql.conf. initdb and postgres refuse to run as root: as root, the
# server runs as the 'postgres' system user that Debian's package creates.
set -euo pipefail
command=$1; dir=$2; shift 2
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/initdb" ] || { echo "server.sh: no PostgreSQL server binaries found (install the Debian package 'postgresql')" >&2; exit 2; }
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $command in
start)
  # Neither the server nor the watcher below may keep a descriptor the caller handed down (a caller that
  # waits for its child's descriptors to close would wait for the server to stop).
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}; if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_server "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$dir'"
    echo "lc_messages = 'C'"
    echo "shared_preload_libraries = 'pg_stat_statements'"
    for setting in "$@"; do echo "$setting"; done
  } >> "$dir/data/postgresql.conf"
  as_server "$bindir/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" start >/dev/null
  owner=$PPID
  script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2/data" ]; do sleep 1; done; "$3" stop "$2"' \
    watch "$owner" "$dir" "$script" </dev/null >/dev/null 2>&1 &
  echo "$port"
  ;;
stop)
  as_server "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: server.sh start|stop DIR [name=value ...]" >&2; exit 2
  ;;
esac
