#!/usr/bin/env bash
# Runs dutyledger with the Linyi demo data: finds or starts PostgreSQL, builds, migrates,
# seeds (idempotent), prints a token for each role, and serves GraphQL.
# Settings: DATABASE_URL, DUTYLEDGER_BIND (default 127.0.0.1:8080), CARGO_PROFILE (dev or
# release; default dev), DUTYLEDGER_JWT_SECRET (default: a random secret kept in .dev/).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="$(ops/db.sh dutyledger)"
export DUTYLEDGER_BIND="${DUTYLEDGER_BIND:-127.0.0.1:8080}"
if [ -z "${DUTYLEDGER_JWT_SECRET:-}" ] && [ -z "${DUTYLEDGER_JWT_PUBLIC_KEY:-}" ]; then
  mkdir -p .dev
  if [ ! -s .dev/jwt-secret ]; then
    (umask 077; head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' > .dev/jwt-secret)
  fi
  export DUTYLEDGER_JWT_SECRET="$(cat .dev/jwt-secret)"
fi
profile="${CARGO_PROFILE:-dev}"
target_dir="${CARGO_TARGET_DIR:-target}"
bin="${target_dir}/$([ "$profile" = dev ] && echo debug || echo "$profile")/dutyledger"

echo "building dutyledger (${profile})..." >&2
cargo build --profile "$profile" --bin dutyledger >&2

"$bin" migrate
"$bin" seed

msb="11371300004350120P" # 临沂市市场监督管理局, from the demo data
echo >&2
echo "Tokens for GraphiQL (header  Authorization: Bearer <token>), valid 12 hours:" >&2
for role in supervisor reviewer integrator; do
  echo "  ${role}: $("$bin" token issue --role "$role" --ttl 12h --subject "demo-${role}" 2>/dev/null)" >&2
done
echo "  clerk (市场监督管理局): $("$bin" token issue --role clerk --department "$msb" --ttl 12h --subject demo-clerk 2>/dev/null)" >&2
echo >&2
echo "dutyledger: GraphQL (and GraphiQL in a browser) at http://${DUTYLEDGER_BIND}/graphql" >&2
echo "try:  curl -s http://${DUTYLEDGER_BIND}/graphql -H 'content-type: application/json' -H \"authorization: Bearer \$TOKEN\" -d '{\"query\":\"{ departments { id name coverage { complete } } }\"}'" >&2
echo >&2
exec "$bin" serve
