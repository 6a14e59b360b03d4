#!/usr/bin/env bash
# Runs every test: finds or starts PostgreSQL (each database test gets a fresh database of its
# own, created and dropped by #[sqlx::test]), then the whole workspace's tests, then the
# graphql-http GraphQL-over-HTTP audits against a running server (ops/node-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="$(ops/db.sh dutyledger_test)"
# Property tests draw the same cases on every run (explore other seeds: ops/explore-props.sh).
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-7238820040926389351}"
# pm4py (test-only) reads the process-mining exports back: a cached virtual environment, built
# from the Python package index when missing (DUTYLEDGER_SKIP_PM4PY=1 skips those checks).
if [ "${DUTYLEDGER_SKIP_PM4PY:-}" != 1 ] && [ -z "${DUTYLEDGER_PM4PY_PYTHON:-}" ]; then
  DUTYLEDGER_PM4PY_PYTHON="$(ops/pm4py-venv.sh)"
  export DUTYLEDGER_PM4PY_PYTHON
fi
cargo test --workspace --all-targets "$@"
ops/node-tests.sh
ops/kill-test.sh
