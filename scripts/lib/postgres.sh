# shellcheck shell=bash
# A private PostgreSQL cluster for the store's tests (source this file; needs bash).
#
#   pg_install    Debian's `postgresql` with apt when its server binaries are missing (as root; else says what to run)
#   pg_start      initdb + start a cluster of its own in a fresh temp dir, on a free port bound to 127.0.0.1 only, with
#                 a password role and a database; sets CODEX_MANAGER_TEST_DATABASE_URL (not exported: hand it to the
#                 one suite that runs the store on PostgreSQL)
#   pg_stop       stop that cluster and remove its files (idempotent: safe from a trap)
#
# The machine's own clusters (pg_ctlcluster, /var/lib/postgresql) are never used or touched. As root, initdb and
# postgres refuse to run: they run as the `postgres` system user over a data dir it owns.

# Under the temp dir, not the checkout: as root the cluster runs as `postgres`, which must be able to walk every
# parent of its data dir, and a checkout under /root (700) would refuse it.
PG_STATE_ROOT="${PG_STATE_ROOT:-${TMPDIR:-/tmp}}"
PG_BIN=""
PG_DIR=""
PG_PORT=""

pg_say() { printf '[postgres] %s\n' "$*"; }

# The newest installed server binaries: Debian keeps them in /usr/lib/postgresql/<major>/bin, off PATH.
pg_find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      PG_BIN=$dir
      return 0
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    PG_BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
    return 0
  fi
  return 1
}

pg_install() {
  pg_find_bin && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    pg_say "installing postgresql (apt) for the store's tests on PostgreSQL"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # Installing starts Debian's default cluster; ours is separate, and that one is left as the package set it up.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_find_bin && return 0
  fi
  echo "the store's tests on PostgreSQL need its server: install it (sudo apt-get install -y postgresql) and run again" >&2
  return 1
}

# Run a server binary as the cluster's owner: `postgres` when we are root, else ourselves.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_start() {
  pg_find_bin || pg_install || return 1
  PG_DIR=$(mktemp -d "$PG_STATE_ROOT/codex-manager-pg.XXXXXX") || return 1
  local password
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$password" >"$PG_DIR/pwfile"
  chmod 600 "$PG_DIR/pwfile"
  if [ "$(id -u)" = 0 ]; then
    # The cluster runs as the server user: its files are that user's.
    chown -R postgres: "$PG_DIR"
  fi
  if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U cm --pwfile="$PG_DIR/pwfile" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
    echo "initdb failed (as $([ "$(id -u)" = 0 ] && echo postgres || id -un)): see $PG_DIR/initdb.log" >&2
    tail -5 "$PG_DIR/initdb.log" >&2
    return 1
  fi
  local attempt
  for attempt in 1 2 3; do
    PG_PORT=$(pg_free_port)
    # Loopback only, no unix socket (nothing else to clean up); durability off: a test cluster dies with the run.
    local options="-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='' -c fsync=off"
    options+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    if pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -o "$options" start >/dev/null; then
      break
    fi
    PG_PORT=""
  done
  if [ -z "$PG_PORT" ]; then
    echo "the test cluster did not start: see $PG_DIR/server.log" >&2
    tail -5 "$PG_DIR/server.log" >&2
    return 1
  fi
  local base="postgres://cm:$password@127.0.0.1:$PG_PORT"
  local psql="$PG_BIN/psql"
  [ -x "$psql" ] || psql=psql
  if ! PGPASSWORD=$password "$psql" -q -h 127.0.0.1 -p "$PG_PORT" -U cm -d postgres \
      -c "CREATE DATABASE cm_test" >/dev/null 2>"$PG_DIR/psql.log"; then
    echo "cannot create the test database: see $PG_DIR/psql.log" >&2
    return 1
  fi
  CODEX_MANAGER_TEST_DATABASE_URL="$base/cm_test"
  pg_say "a private cluster (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')) runs on 127.0.0.1:$PG_PORT, data in $PG_DIR"
}

pg_stop() {
  [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR=""
}
