#!/usr/bin/env bash
# Runs every test: finds or starts PostgreSQL (each database test gets a fresh database of its
# own, created and dropped by #[sqlx::test]), then the whole workspace's tests, then the
# graphql-http GraphQL-over-HTTP audits against a running server (ops/node-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="$(ops/db.sh dutyledger_test)"
# Property tests draw the same cases on every run (explore other seeds: ops/explore-props.sh).
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-7238820040926389351}"
cargo test --workspace --all-targets "$@"
ops/node-tests.sh
ops/kill-test.sh
