#!/usr/bin/env bash
# Kills the server with SIGKILL in the middle of a stream of commands and restarts it, then
# checks that every acknowledged command's event is in the feed and the read model, and that
# the read models equal a fresh rebuild (`dutyledger rebuild --verify`).
# Needs DATABASE_URL (ops/db.sh prints one) and Node.js (ops/node-tests.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL (ops/db.sh prints one)}"
log() { echo "kill-test.sh: $*" >&2; }

target_dir="${CARGO_TARGET_DIR:-target}"
cargo build --bin dutyledger >&2
bin="${target_dir}/debug/dutyledger"
(cd tests/node && [ -d node_modules ] || npm ci --no-audit --no-fund --silent >&2)

db="dutyledger_kill_$$"
url="$(printf '%s' "$DATABASE_URL" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\1/${db}#")"
export DUTYLEDGER_JWT_SECRET="kill-$(date +%s%N)-secret-secret-secret-secret"
DATABASE_URL="$url" "$bin" migrate
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  touch "$work/stop"
  wait 2>/dev/null || true
  if command -v psql >/dev/null 2>&1; then
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"${db}\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

start() { # address
  DATABASE_URL="$url" DUTYLEDGER_BIND="$1" "$bin" serve >>"$work/server.log" 2>&1 &
  server=$!
}
wait_ready() { # address
  for _ in $(seq 1 100); do
    curl -sf "http://$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$work/server.log" >&2; log "the server did not become ready"; exit 1
}

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18777)"
address="127.0.0.1:${port}"
start "$address"; wait_ready "$address"
export DUTYLEDGER_URL="http://${address}"
export DUTYLEDGER_TOKEN="$(DATABASE_URL="$url" "$bin" token issue --role supervisor --ttl 10m 2>/dev/null)"
export ACKED_FILE="$work/acked" STOP_FILE="$work/stop"
touch "$ACKED_FILE"
node tests/node/kill-load.mjs &
load=$!
sleep 3
log "SIGKILL the server after $(wc -l < "$ACKED_FILE") acknowledged commands"
kill -9 "$server"; wait "$server" 2>/dev/null || true
sleep 1
start "$address"; wait_ready "$address"
sleep 3
touch "$STOP_FILE"; wait "$load"
node tests/node/kill-verify.mjs
kill "$server"; wait "$server" 2>/dev/null || true; server=""
DATABASE_URL="$url" "$bin" rebuild --verify
log "the read models equal a fresh rebuild"
