#!/usr/bin/env bash
# Installs what `python packaging/build.py --installer` needs on Debian/Ubuntu: wine (with 32-bit
# support, as ISCC.exe is a 32-bit program) and Inno Setup's compiler from the npm package `innosetup`,
# into packaging/.innosetup (ignored by git). Heavy (~1.6 GB of wine), so only the installer check uses it.
# Prints the path of ISCC.exe on its last line. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
INNO_NPM_VERSION="${INNO_NPM_VERSION:-6.4.1}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v wine >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "install-innosetup: no wine and no apt-get; install wine" >&2; exit 1; }
  echo "install-innosetup: installing wine (32- and 64-bit)" >&2
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx i386 || $SUDO dpkg --add-architecture i386
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends wine wine32:i386 wine64 >/dev/null
fi
command -v npm >/dev/null 2>&1 || { echo "install-innosetup: npm is needed (apt-get install npm)" >&2; exit 1; }
iscc=".innosetup/node_modules/innosetup/bin/ISCC.exe"
if [ ! -f "$iscc" ]; then
  echo "install-innosetup: installing innosetup@$INNO_NPM_VERSION from npm" >&2
  mkdir -p .innosetup
  npm install --silent --no-audit --no-fund --prefix .innosetup "innosetup@$INNO_NPM_VERSION" >&2
fi
[ -f "$iscc" ] || { echo "install-innosetup: $iscc not found after npm install" >&2; exit 1; }
echo "$(pwd)/$iscc"
