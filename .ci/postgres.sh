#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite: loopback only, trust auth, its own folder.
#
#   .ci/postgres.sh start     initdb (first time) and start; prints the export line on stdout
#   .ci/postgres.sh stop      stop it (data kept for the next start)
#   .ci/postgres.sh destroy   stop it and delete its folder
#   .ci/postgres.sh status    exit 0 when it accepts connections
#   .ci/postgres.sh url       print the SQLAlchemy URL the tests use
#
# Settings: HOTLINE_PG_PORT (54329), HOTLINE_PG_DIR (${TMPDIR:-/tmp}/hotline-pg-<port>).
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user. Durability is
# switched off (fsync, synchronous_commit): this server only ever holds test databases.
# Used by .ci/run and by `./dev pg`.
set -euo pipefail

PORT="${HOTLINE_PG_PORT:-54329}"
DIR="${HOTLINE_PG_DIR:-${TMPDIR:-/tmp}/hotline-pg-$PORT}"
DATA="$DIR/data"
LOG="$DIR/postgres.log"
URL="postgresql+asyncpg://postgres@127.0.0.1:$PORT/postgres"

log() { echo "postgres.sh: $*" >&2; }

bindir() {
  local d best=""
  # Debian/Ubuntu keep the server binaries out of PATH, one folder per major version: take the newest.
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && best="$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n 1)"
  done
  if [ -n "$best" ]; then echo "$best"; return 0; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

ensure_installed() {
  if bindir >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing postgresql from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir >/dev/null && return 0
  fi
  log "PostgreSQL server binaries not found; install the 'postgresql' package (apt-get install postgresql)"
  exit 1
}

# Run a server binary as the right user: `postgres` when we are root, ourselves otherwise.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

running() {
  [ -s "$DATA/PG_VERSION" ] && as_pg "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

accepting() {
  "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres
}

start() {
  ensure_installed
  local bin
  bin="$(bindir)"
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then
    as_pg true  # creates the postgres user when missing
    chown postgres: "$DIR"
  fi
  chmod 700 "$DIR"
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA"
    as_pg "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$DIR/initdb.log" 2>&1 || {
      cat "$DIR/initdb.log" >&2
      exit 1
    }
  fi
  if running; then
    log "already running on 127.0.0.1:$PORT ($DATA)"
  else
    log "starting on 127.0.0.1:$PORT ($DATA)"
    if ! as_pg "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o \
      "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c max_connections=300 -c fsync=off \
       -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB" >&2; then
      tail -n 30 "$LOG" >&2 || true
      exit 1
    fi
  fi
  for _ in $(seq 1 100); do
    if accepting; then
      echo "export HOTLINE_TEST_POSTGRES_URL=$URL"
      return 0
    fi
    sleep 0.2
  done
  log "server started but does not accept connections; see $LOG"
  tail -n 30 "$LOG" >&2 || true
  exit 1
}

stop() {
  if ! bindir >/dev/null || [ ! -s "$DATA/PG_VERSION" ]; then
    log "nothing to stop in $DIR"
    return 0
  fi
  if running; then
    as_pg "$(bindir)/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
  else
    log "not running"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$DIR"; log "removed $DIR" ;;
  status)
    if bindir >/dev/null && [ -s "$DATA/PG_VERSION" ] && accepting; then
      log "running on 127.0.0.1:$PORT ($DATA)"
    else
      log "not running"
      exit 1
    fi
    ;;
  url) echo "$URL" ;;
  *)
    echo "usage: $0 start|stop|destroy|status|url" >&2
    exit 2
    ;;
esac
