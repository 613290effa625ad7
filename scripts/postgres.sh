#!/usr/bin/env bash
# Start a PostgreSQL server for the tests on a loopback port, unless one is running there,
# and print the URL of its `postgres` database (tests create a database of their own in it).
#   scripts/postgres.sh        postgres://postgres@127.0.0.1:55432/postgres
#   scripts/postgres.sh stop   stop it
# A test server: trust authentication, loopback only, no fsync. Never a production one.
# Its data lives in $ARTICULATE_PG_DIR (default: a directory under /tmp); as root, the
# server runs as the `postgres` user, since PostgreSQL refuses to run as root.
set -euo pipefail
port="${ARTICULATE_PG_PORT:-55432}"
dir="${ARTICULATE_PG_DIR:-${TMPDIR:-/tmp}/articulate-pg-$(id -u)}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [[ -z "$bin" ]]; then
  echo "PostgreSQL is not installed: run scripts/install-deps.sh --test" >&2
  exit 1
fi
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ "${1:-}" == "stop" ]]; then
  as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null
  exit 0
fi

# Test binaries may ask at the same time: one of them starts the server.
exec 9>"$dir.lock"
flock 9
url="postgres://postgres@127.0.0.1:$port/postgres"
if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  echo "$url"
  exit 0
fi
if [[ ! -f "$dir/PG_VERSION" ]]; then
  mkdir -p "$dir"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
fi
# The server must not inherit the lock (fd 9), or it would hold it for as long as it runs.
as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null 9>&-
echo "$url"
