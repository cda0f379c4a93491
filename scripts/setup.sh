#!/usr/bin/env bash
# Sets up everything vms_desk needs on Debian/Ubuntu: system libraries (Qt runtime, libVLC, Xvfb), a
# virtual environment in .venv and the package with its development tools. Safe to run again: it only
# installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
PY=$(bash scripts/pick-python.sh) || exit 1
# A .venv made by an older interpreter (before 3.12 was required) is rebuilt.
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  echo "setup: .venv uses Python < 3.12; rebuilding it with $PY"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.vms_desk-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c "import vms_desk" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv)"
