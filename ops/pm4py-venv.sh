#!/usr/bin/env bash
# Prints the path of a Python that has pm4py (test-only: tests/pm4py/ reads the process-mining
# exports back with it). The virtual environment is cached in target/pm4py-venv (or
# $DUTYLEDGER_PM4PY_VENV) and built from the Python package index when missing; Debian's
# python3-venv is installed first if the machine lacks it. Fails loudly when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

PM4PY_VERSION="${PM4PY_VERSION:-2.7.23.11}"
venv="${DUTYLEDGER_PM4PY_VENV:-$PWD/target/pm4py-venv}"
log() { echo "pm4py-venv: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import pm4py, sys; sys.exit(0 if pm4py.__version__ == '$PM4PY_VERSION' else 1)" 2>/dev/null; then
  echo "$venv/bin/python"; exit 0
fi
python="$(command -v python3 || true)"
if [ -z "$python" ]; then
  command -v apt-get >/dev/null 2>&1 || { log "no python3 and no apt-get to install it"; exit 1; }
  log "installing Debian's python3"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >&2
  python="$(command -v python3)"
fi
if ! "$python" -c "import venv, ensurepip" 2>/dev/null; then
  command -v apt-get >/dev/null 2>&1 || { log "$python has no venv/ensurepip and there is no apt-get to install python3-venv"; exit 1; }
  log "installing Debian's python3-venv"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
fi
log "building $venv with pm4py $PM4PY_VERSION (from the Python package index)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "pm4py==$PM4PY_VERSION" >&2
"$venv/bin/python" -c "import pm4py" >&2
echo "$venv/bin/python"
