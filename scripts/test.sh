#!/usr/bin/env bash
# One command: set up everything, run the linters, the type checker and the whole test suite, then build
# the frozen app and smoke-test it.
# GUI tests run on a virtual X screen (xvfb-run) so the embedded libVLC player is tested for real.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
# The team-store tests run here, never skipped: a PostgreSQL that cannot start fails them.
export VMS_DESK_REQUIRE_POSTGRES=1
echo "== ruff"; .venv/bin/ruff check vms_desk tests benchmarks packaging
.venv/bin/ruff format --check vms_desk tests benchmarks packaging
echo "== mypy --strict (Qt-free packages, for Linux and for Windows)"; .venv/bin/mypy
.venv/bin/mypy --platform win32
.venv/bin/mypy --strict packaging/*.py
echo "== pytest"
xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest "$@"
# A separate stage: the frozen one-folder app is built with PyInstaller and smoke-tested (a few minutes).
echo "== frozen app: packaging/build.py (PyInstaller build, smoke test, size, cold start)"
xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python packaging/build.py
