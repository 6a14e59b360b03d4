#!/usr/bin/env bash
# Runs real clients from npm against a freshly started dutyledger on a fresh database:
#   - graphql-http's GraphQL-over-HTTP server audits (fails if any MUST audit fails);
#   - graphql-transport-ws protocol errors and their close codes (raw `ws` client);
#   - a graphql-ws client that subscribes to the feed, disconnects and resumes.
# Needs DATABASE_URL (as printed by ops/db.sh); installs Node.js from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL (ops/db.sh prints one)}"

log() { echo "node-tests.sh: $*" >&2; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root or sudo to run: $*"; exit 1; fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "installing Node.js (Debian packages nodejs, npm)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
fi
(cd tests/node && npm ci --no-audit --no-fund --silent >&2)

target_dir="${CARGO_TARGET_DIR:-target}"
cargo build --bin dutyledger >&2
bin="${target_dir}/debug/dutyledger"

db="dutyledger_audit_$$"
url="$(printf '%s' "$DATABASE_URL" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\1/${db}#")"
export DUTYLEDGER_JWT_SECRET="audit-$(date +%s%N)-secret-secret-secret-secret"
DATABASE_URL="$url" "$bin" migrate
log_file="$(mktemp)"
DATABASE_URL="$url" DUTYLEDGER_BIND=127.0.0.1:0 DUTYLEDGER_WS_INIT_TIMEOUT_MS=500 "$bin" serve >"$log_file" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if command -v psql >/dev/null 2>&1; then
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"${db}\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -f "$log_file"
}
trap cleanup EXIT

address=""
for _ in $(seq 1 100); do
  address="$(grep -o 'serving GraphQL at http://[0-9.:]*/graphql' "$log_file" | head -n 1 | sed 's/serving GraphQL at //')" || true
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { cat "$log_file" >&2; log "the server did not start"; exit 1; }

token="$(DATABASE_URL="$url" "$bin" token issue --role supervisor --ttl 10m 2>/dev/null)"
export DUTYLEDGER_URL="${address%/graphql}" DUTYLEDGER_TOKEN="$token"
export DUTYLEDGER_SHORT_TOKEN="$(DATABASE_URL="$url" "$bin" token issue --role supervisor --ttl 3s 2>/dev/null)"
DUTYLEDGER_AUDIT_URL="$address" DUTYLEDGER_AUDIT_TOKEN="$token" node tests/node/audit.mjs
node tests/node/ws-protocol.mjs
node tests/node/ws-resume.mjs
