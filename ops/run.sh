#!/usr/bin/env bash
# Runs dutyledger with the Linyi demo data: finds or starts PostgreSQL, builds, migrates,
# seeds (idempotent), and serves GraphQL. Settings: DATABASE_URL, DUTYLEDGER_BIND
# (default 127.0.0.1:8080), CARGO_PROFILE (dev or release; default dev).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="$(ops/db.sh dutyledger)"
export DUTYLEDGER_BIND="${DUTYLEDGER_BIND:-127.0.0.1:8080}"
profile="${CARGO_PROFILE:-dev}"
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null || echo target)"
bin_dir="${target_dir}/$([ "$profile" = dev ] && echo debug || echo "$profile")"

echo "building dutyledger (${profile})..." >&2
cargo build --profile "$profile" --bin dutyledger >&2
bin="${bin_dir}/dutyledger"

"$bin" migrate
"$bin" seed
echo >&2
echo "dutyledger: GraphQL (and GraphiQL in a browser) at http://${DUTYLEDGER_BIND}/graphql" >&2
echo "try:  curl -s http://${DUTYLEDGER_BIND}/graphql -H 'content-type: application/json' -d '{\"query\":\"{ departments { id name coverage { complete } } }\"}'" >&2
echo >&2
exec "$bin" serve
