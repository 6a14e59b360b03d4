#!/usr/bin/env bash
# Finds or starts PostgreSQL and prints a DATABASE_URL for the database named by $1
# (default: dutyledger), creating that database if it is missing. Logs go to stderr, so:
#
#     export DATABASE_URL="$(ops/db.sh)"
#
# In order:
#   1. DATABASE_URL already set: printed unchanged.
#   2. A server on 127.0.0.1:5432 that lets user postgres or the current user in without a
#      password (as on our CI machines).
#   3. A server on the local Unix socket (/var/run/postgresql) with peer authentication; if the
#      current user has no role yet, one is created (needs root or sudo).
#   4. No server: Debian's `postgresql` package is installed (needs root or sudo), its cluster
#      started (without systemd, so it works in containers too), and step 3 applies.
set -euo pipefail

db="${1:-dutyledger}"
port="${DUTYLEDGER_PG_PORT:-5432}"
socket_dir="${DUTYLEDGER_PG_SOCKET_DIR:-/var/run/postgresql}"
me="$(id -un)"
log() { echo "db.sh: $*" >&2; }

if [ -n "${DATABASE_URL:-}" ]; then
  log "using DATABASE_URL from the environment"
  echo "$DATABASE_URL"
  exit 0
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root or sudo to run: $*"; exit 1
  fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -u postgres "$@"
  else log "need root or sudo to run as postgres: $*"; exit 1
  fi
}

can_connect() { # url
  command -v psql >/dev/null 2>&1 || return 1
  psql "$1" -tAc 'SELECT 1' >/dev/null 2>&1
}

ensure_database() { # base-url-without-db query-suffix
  local base="$1" suffix="$2"
  if command -v psql >/dev/null 2>&1; then
    local exists
    exists="$(psql "${base}/postgres${suffix}" -tAc "SELECT 1 FROM pg_database WHERE datname = '${db}'" 2>/dev/null || true)"
    if [ "$exists" != "1" ]; then
      log "creating database ${db}"
      psql "${base}/postgres${suffix}" -qc "CREATE DATABASE \"${db}\"" >/dev/null
    fi
  fi
  echo "${base}/${db}${suffix}"
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; }

# 2. A server on TCP that trusts us.
if [ -z "${DUTYLEDGER_PG_SKIP_TCP:-}" ] && tcp_open; then
  for user in postgres "$me"; do
    if can_connect "postgres://${user}@127.0.0.1:${port}/postgres"; then
      log "found PostgreSQL on 127.0.0.1:${port} (user ${user})"
      ensure_database "postgres://${user}@127.0.0.1:${port}" ""
      exit 0
    fi
  done
  if ! command -v psql >/dev/null 2>&1; then
    log "a server listens on 127.0.0.1:${port} but psql is missing; assuming user postgres"
    echo "postgres://postgres@127.0.0.1:${port}/${db}"
    exit 0
  fi
  log "the server on 127.0.0.1:${port} wants a password; trying the Unix socket"
fi

socket_url_base="postgres://${me}@localhost"
socket_suffix="?host=${socket_dir}&port=${port}"

start_cluster() {
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$version" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    log "creating cluster ${version}/main"
    as_root pg_createcluster "$version" main >&2
  fi
  log "starting PostgreSQL ${version}/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do
    [ -S "${socket_dir}/.s.PGSQL.${port}" ] && return 0
    sleep 1
  done
  log "PostgreSQL did not come up"; exit 1
}

# 4. No server at all: install and start one.
if [ ! -S "${socket_dir}/.s.PGSQL.${port}" ]; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
      log "no PostgreSQL found and no apt-get to install one: set DATABASE_URL"; exit 1
    fi
    log "installing Debian's postgresql package"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
  start_cluster
fi

# 3. The Unix socket with peer authentication.
if ! can_connect "${socket_url_base}/postgres${socket_suffix}"; then
  log "creating a PostgreSQL role for ${me}"
  as_postgres psql -h "$socket_dir" -p "$port" -qc "CREATE ROLE \"${me}\" SUPERUSER LOGIN" >&2 || true
fi
if ! can_connect "${socket_url_base}/postgres${socket_suffix}"; then
  log "cannot connect to PostgreSQL as ${me} over ${socket_dir}: set DATABASE_URL"; exit 1
fi
log "using PostgreSQL over ${socket_dir} (user ${me})"
ensure_database "$socket_url_base" "$socket_suffix"
