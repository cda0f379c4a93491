#!/usr/bin/env bash
# One command: set up everything, then run the linters, the type checker and the whole test suite.
# GUI tests run on a virtual X screen (xvfb-run) so the embedded libVLC player is tested for real.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
echo "== ruff"; .venv/bin/ruff check vms_desk tests benchmarks
.venv/bin/ruff format --check vms_desk tests benchmarks
echo "== mypy --strict (Qt-free packages, for Linux and for Windows)"; .venv/bin/mypy
.venv/bin/mypy --platform win32
echo "== pytest"
exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest "$@"
