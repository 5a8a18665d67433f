#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the tests and print its URL on the last line.
# Installs apt's postgresql when no server binaries are present. Idempotent: reuses a running one.
set -euo pipefail
PGPORT="${PGPORT:-55432}"
PGDATA_DIR="${PGDATA_DIR:-/tmp/pdv-pg-$PGPORT}"
URL="postgresql+psycopg://pdv:pdv@127.0.0.1:$PGPORT/pdv"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "postgres.sh: installing PostgreSQL from apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi
id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if ! as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"; chown postgres "$PGDATA_DIR" 2>/dev/null || true
    as_pg "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
    -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" start >&2
fi
# TCP logins need the password (tests check what a wrong one says); an older data folder is switched over.
if grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$PGDATA_DIR/pg_hba.conf" 2>/dev/null; then
  sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)trust/\1scram-sha-256/' "$PGDATA_DIR/pg_hba.conf"
  as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" reload >&2
fi
PSQL=("$BIN/psql" -h /tmp -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
if [ "$("${PSQL[@]}" -d postgres -c "select 1 from pg_roles where rolname='pdv'")" != 1 ]; then
  "${PSQL[@]}" -d postgres -c "create role pdv login superuser password 'pdv'" >&2
fi
if [ "$("${PSQL[@]}" -d postgres -c "select 1 from pg_database where datname='pdv'")" != 1 ]; then
  "${PSQL[@]}" -d postgres -c "create database pdv owner pdv" >&2
fi
echo "$URL"
