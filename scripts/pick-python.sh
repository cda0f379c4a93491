#!/usr/bin/env bash
# Prints the path of the newest Python 3.12+ on this machine, or one sentence on stderr and exit 1.
# Order: $PYTHON, python3.13/python3.12 on PATH, pyenv's installed versions, then python3 if it is new enough.
# A pyenv shim that exists but is not active fails its --version call and is skipped.
set -uo pipefail
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
cands=()
[ -n "${PYTHON:-}" ] && cands+=("$PYTHON")
cands+=(python3.13 python3.12)
root=${PYENV_ROOT:-$HOME/.pyenv}
if [ -d "$root/versions" ]; then
  while IFS= read -r v; do cands+=("$root/versions/$v/bin/python3"); done \
    < <(ls "$root/versions" | grep -E '^3\.(1[2-9]|[2-9][0-9])\.[0-9]+$' | sort -t. -k2,2nr -k3,3nr)
fi
cands+=(python3)
for c in "${cands[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "vms_desk needs Python 3.12 or newer: install it (Debian 13: apt-get install python3 python3-venv; Debian 12: pyenv install 3.13 or python.org) and run this again." >&2
exit 1
