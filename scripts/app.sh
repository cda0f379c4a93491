#!/usr/bin/env bash
# One command: set up everything, then run the app against the built-in demo servers.
# Extra arguments go to `vms-desk gui` (e.g. --screenshot out.png); pass --no-demo for real servers only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LANG=${LANG:-C.UTF-8}
args=(--demo)
if [ "${1:-}" = "--no-demo" ]; then args=(); shift; fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "app: no display found; starting on a virtual screen (xvfb-run)" >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/vms-desk gui "${args[@]}" "$@"
fi
exec .venv/bin/vms-desk gui "${args[@]}" "$@"
