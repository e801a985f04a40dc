#!/usr/bin/env bash
# Finds or starts PostgreSQL (and, for tests, Redis) and prints `export` lines for the Makefile.
#   .ci/services.sh run   -> DATABASE_URL for `make run` (database `kartei`)
#   .ci/services.sh test  -> TEST_DATABASE_URL and TEST_REDIS_URL for `make test`/`make bench`
# Order: what the environment names; else the local servers on 5432/6379; else a project-local
# instance under .local/ (git-ignored) from the installed binaries; else install them (as root
# with apt-get) or say exactly what to install.
set -euo pipefail
mode="${1:-run}"
root="$(cd "$(dirname "$0")/.." && pwd)"
local_dir="$root/.local"
mkdir -p "$local_dir"
log() { echo "services: $*" >&2; }

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_debian() {
  # `make test` (and CI) install what they need; `make run` only says what is missing.
  if [ "$mode" = test ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $* with apt-get"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    log "PostgreSQL/Redis not found. Install it: sudo apt-get install -y $*  (or set DATABASE_URL)"; exit 1
  fi
}

pg_up() { # host port
  if command -v pg_isready >/dev/null; then pg_isready -q -h "$1" -p "$2"; else (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; fi
}

ensure_db() { # base_url dbname
  local base="$1" name="$2"
  if command -v psql >/dev/null; then
    if ! psql "$base/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1; then
      psql "$base/postgres" -qc "CREATE DATABASE $name" >&2 || true
    fi
  fi
}

postgres_base() {
  if [ -n "${KARTEI_PG_BASE:-}" ]; then echo "$KARTEI_PG_BASE"; return; fi
  if pg_up 127.0.0.1 5432; then echo "postgres://postgres@127.0.0.1:5432"; return; fi
  local port=55432 data="$local_dir/pgdata" bindir
  if pg_up 127.0.0.1 "$port"; then echo "postgres://postgres@127.0.0.1:$port"; return; fi
  bindir="$(pg_bindir)"
  if [ -z "$bindir" ]; then install_debian postgresql; bindir="$(pg_bindir)"; fi
  if [ ! -d "$data" ]; then
    log "creating a project-local PostgreSQL cluster in $data"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown -R postgres "$local_dir"
    as_postgres "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres "$local_dir"
  log "starting the project-local PostgreSQL on 127.0.0.1:$port"
  as_postgres "$bindir/pg_ctl" -D "$data" -l "$local_dir/postgres.log" -w \
    -o "-p $port -k $local_dir -c listen_addresses=127.0.0.1" start >&2
  echo "postgres://postgres@127.0.0.1:$port"
}

redis_url() {
  if [ -n "${REDIS_URL:-}" ]; then echo "$REDIS_URL"; return; fi
  command -v redis-server >/dev/null || install_debian redis-server
  if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then echo "redis://127.0.0.1:6379"; return; fi
  local port=56379
  if ! redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    log "starting a project-local Redis on 127.0.0.1:$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
      --pidfile "$local_dir/redis.pid" --logfile "$local_dir/redis.log" --dir "$local_dir" >&2
    sleep 0.5
  fi
  echo "redis://127.0.0.1:$port"
}

case "$mode" in
  run)
    if [ -n "${DATABASE_URL:-}" ]; then echo "export DATABASE_URL='$DATABASE_URL'"; exit 0; fi
    base="$(postgres_base)"; ensure_db "$base" kartei
    echo "export DATABASE_URL='$base/kartei'"
    ;;
  test)
    base="$(postgres_base)"
    # Tests start private Redis/PostgreSQL instances to stop them; they need the binaries.
    [ -n "$(pg_bindir)" ] || install_debian postgresql
    command -v redis-server >/dev/null || install_debian redis-server
    # Mail tests talk to a real SMTP server (aiosmtpd, Debian's package for the system Python).
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || install_debian python3-aiosmtpd
    # The GraphiQL browser test drives Debian's Chromium (with playwright-core from npm).
    command -v chromium >/dev/null || install_debian chromium
    if command -v psql >/dev/null; then
      psql "$base/postgres" -qc "DROP DATABASE IF EXISTS kartei_test WITH (FORCE)" >&2 2>/dev/null || true
    fi
    ensure_db "$base" kartei_test
    echo "export TEST_DATABASE_URL='$base/kartei_test'"
    echo "export TEST_REDIS_URL='$(redis_url)'"
    ;;
  *) log "usage: $0 run|test"; exit 2 ;;
esac
