#!/usr/bin/env bash
# Random exploration of the property tests, beyond the fixed seed CI runs: each run draws a new
# PROPTEST_RNG_SEED and prints it, so a failure names the seed that reproduces it.
#
#   ops/explore-props.sh [RUNS] [CASES] [TEST...]
#
# RUNS defaults to 20, CASES (per property) to proptest's per-test default, TEST to the
# database property tests (time_travel_props, performance_props, supervision_props). Exit status 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-20}"
cases="${2:-}"
shift $(( $# > 2 ? 2 : $# ))
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(time_travel_props performance_props supervision_props)

export DATABASE_URL="${DATABASE_URL:-$(ops/db.sh dutyledger_test)}"
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done
cargo test -p dutyledger-tests "${args[@]}" --no-run 2>&1 | tail -n 1

passed=0
failed=0
failed_seeds=()
for i in $(seq 1 "$runs"); do
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
  log=$(mktemp)
  if PROPTEST_RNG_SEED="$seed" ${cases:+PROPTEST_CASES="$cases"} \
      cargo test -q -p dutyledger-tests "${args[@]}" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "run $i: seed $seed passed"
  else
    failed=$((failed + 1))
    failed_seeds+=("$seed")
    echo "run $i: seed $seed FAILED (log: $log)"
    continue
  fi
  rm -f "$log"
done
echo "explore-props: $passed passed, $failed failed (${runs} runs of ${tests[*]})"
[ "$failed" -eq 0 ] || { echo "failing seeds: ${failed_seeds[*]}"; exit 1; }
