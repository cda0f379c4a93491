#!/usr/bin/env bash
# Installs the Debian 12 system libraries vms_desk needs: Qt's offscreen/xcb runtime, libVLC, Xvfb for
# GUI tests and screenshots, poppler (pdftoppm) for looking at exported PDFs, and PostgreSQL for the
# team-store tests.
# Idempotent; does nothing on systems without apt-get (Windows: see README).
set -euo pipefail
command -v apt-get >/dev/null 2>&1 || { echo "install-system-deps: no apt-get here, skipping"; exit 0; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=(
  # Qt 6 offscreen + xcb platform plugins (see SETUP-NOTES: libxcb-icccm4/keysyms1 are the ones Qt misnames)
  libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0 fonts-dejavu-core
  xvfb xauth libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1
  # libVLC for the embedded player (plugins are needed; libvlc5 alone cannot play)
  libvlc5 vlc-plugin-base vlc-plugin-video-output
  # curl for the download benchmark, poppler-utils to render PDF pages for inspection
  curl poppler-utils
  # xdotool: packaging/build.py times the frozen app's first window under Xvfb
  xdotool
  # PostgreSQL server binaries (initdb, pg_ctl): the tests start a throwaway team store of their own
  # (tests/pg_server.py); Debian's cluster that the package starts is not used.
  postgresql
)
# Optional: headless Chromium, for the test that plays a case bundle's working copy in index.html (it is
# skipped without it). About 300 MB, so only on request: VMS_DESK_WITH_CHROMIUM=1 bash scripts/setup.sh
[ "${VMS_DESK_WITH_CHROMIUM:-0}" = "1" ] && PKGS+=(chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-system-deps: all present"; exit 0; fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system-deps: done"
