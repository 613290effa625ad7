#!/usr/bin/env bash
# Start a PostgreSQL server for the tests on a loopback port, unless one is running there,
# and print the URL of its `postgres` database (tests create a database of their own in it).
#   scripts/postgres.sh        postgres://postgres@127.0.0.1:55432/postgres
#   scripts/postgres.sh stop   stop it
#   scripts/postgres.sh ca     print the path of the CA that signed its TLS certificate
# A test server: trust authentication, loopback only, no fsync. Never a production one.
# It speaks TLS too, with a certificate for 127.0.0.1 from a CA made here; the user
# `articulate_tls` is admitted only over TLS, so a test connecting as it knows TLS was used.
# Its data lives in $ARTICULATE_PG_DIR (default: a directory under /tmp); as root, the
# server runs as the `postgres` user, since PostgreSQL refuses to run as root.
set -euo pipefail
port="${ARTICULATE_PG_PORT:-55432}"
dir="${ARTICULATE_PG_DIR:-${TMPDIR:-/tmp}/articulate-pg-$(id -u)}"
tls="$dir-tls"
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
if [[ "${1:-}" == "ca" ]]; then
  echo "$tls/ca.crt"
  exit 0
fi

# Test binaries may ask at the same time: one of them starts the server.
exec 9>"$dir.lock"
flock 9
url="postgres://postgres@127.0.0.1:$port/postgres"
if [[ ! -f "$dir/PG_VERSION" ]]; then
  mkdir -p "$dir"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if [[ ! -f "$tls/server.crt" ]]; then
  rm -rf "$tls" && mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=articulate test CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/san.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 3650 -extfile "$tls/san.ext" -out "$tls/server.crt" 2>/dev/null
  chmod 600 "$tls/server.key" "$tls/ca.key"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$tls/server.key"
  printf 'ssl = on\nssl_cert_file = '"'%s'"'\nssl_key_file = '"'%s'"'\n' \
    "$tls/server.crt" "$tls/server.key" | as_owner tee -a "$dir/postgresql.conf" >/dev/null
  hba="$(printf 'hostnossl all articulate_tls all reject\n'; cat "$dir/pg_hba.conf")"
  printf '%s\n' "$hba" | as_owner tee "$dir/pg_hba.conf" >/dev/null
  # A server already running (started by an older version of this script) reloads both.
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    as_owner "$bin/pg_ctl" -D "$dir" reload >/dev/null
  fi
fi
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  # The server must not inherit the lock (fd 9), or it would hold it for as long as it runs.
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null 9>&-
fi
"$bin/psql" -q -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -c \
  "DO \$\$ BEGIN CREATE ROLE articulate_tls LOGIN SUPERUSER;
   EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
echo "$url"
