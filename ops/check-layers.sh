#!/usr/bin/env bash
# The layering rules that a compiler does not check (issue 12), run by .ci/run:
# - only the policy module decides access: no resolver builds a FORBIDDEN error, matches on
#   roles or reads the actor's scope itself;
# - nothing under the application layer (service/, app.rs, seed/, import/, auth/) imports
#   the GraphQL module;
# - graphql/error.rs knows no aggregate;
# - seed and importers match typed errors, never rule strings.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
check() { # check DESCRIPTION PATTERN PATH...
  local what="$1" pattern="$2"
  shift 2
  local hits
  hits=$(grep -rnE "$pattern" "$@" --include='*.rs' || true)
  if [ -n "$hits" ]; then
    echo "check-layers: $what:" >&2
    printf '%s\n' "$hits" | sed 's/^/    /' >&2
    failed=1
  fi
}

check "a resolver decides access itself (use service::policy)" \
  'AppError::Forbidden|Role::|ActorRole|department_scope|Scope::' api/src/graphql
check "the application layer imports the GraphQL module" \
  'crate::graphql' api/src/service api/src/app.rs api/src/seed api/src/import api/src/auth
check "graphql/error.rs names an aggregate's errors" \
  'DepartmentError|BoundaryError|PerformanceError|RecordRejection|impl Refusal' api/src/graphql/error.rs
check "a loader recognises refusals by their rule strings (use AppError::already_done)" \
  '_ALREADY_|rule ==|ends_with\("' api/src/seed

[ "$failed" -eq 0 ] && echo "check-layers: ok"
exit "$failed"
