"""Build the one-folder vms_desk for this OS with PyInstaller, then smoke-test the frozen result.

    python packaging/build.py                 build dist/vms_desk and smoke-test it
    python packaging/build.py --installer     also compile installer.iss (Windows: ISCC; Linux: wine)
    ... --installer --installer-compression none   the same, uncompressed: a quick check of the script
    python packaging/build.py --smoke-only    smoke-test an existing dist/vms_desk

On Windows the build bundles libVLC from the pinned official VLC 3 zip (packaging/libvlc.py); on Linux
the package uses the system's libVLC (libvlc5 vlc-plugin-base vlc-plugin-video-output). It prints the
build time, the bundle size and the frozen app's time to its first window.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import iscc  # noqa: E402 - packaging/ is not a package; its modules sit beside this script
import libvlc  # noqa: E402
import smoke  # noqa: E402

DIST = ROOT / "dist"
BUILD = ROOT / "build"
BUNDLE = DIST / "vms_desk"
MIB = 1 << 20


def bundle_size(folder: Path) -> int:
    """Bytes on disk under `folder` (a symlink counts as itself, not as the file it points to)."""
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir() or path.is_symlink())


def build() -> float:
    """Run PyInstaller on the spec; the seconds it took."""
    env = dict(os.environ)
    if sys.platform == "win32":
        env["VMS_DESK_VLC_DIR"] = str(libvlc.prepare(BUILD))
    started = time.perf_counter()
    command = [sys.executable, "-m", "PyInstaller", str(HERE / "vms_desk.spec"), "--noconfirm"]
    command += ["--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"), "--log-level", "WARN"]
    subprocess.run(command, check=True, env=env, cwd=ROOT)  # noqa: S603
    return time.perf_counter() - started


def needs_display() -> bool:
    """True on X11 systems with no display: the GUI steps then run under xvfb-run."""
    return sys.platform.startswith("linux") and not os.environ.get("DISPLAY")


def main(argv: list[str] | None = None) -> int:
    """Build, smoke-test and optionally make the installer; the exit status."""
    parser = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__.split("\n")[0])
    parser.add_argument("--installer", action="store_true", help="also compile installer.iss")
    parser.add_argument("--smoke-only", action="store_true", help="test the existing dist/vms_desk")
    parser.add_argument(
        "--installer-compression",
        default="",
        metavar="MODE",
        help="override installer.iss' lzma2, e.g. `none` for a quick check of the script",
    )
    args = parser.parse_args(argv)
    if needs_display() and shutil.which("xvfb-run"):
        script = [sys.executable, str(Path(__file__).resolve()), *(argv or sys.argv[1:])]
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *script])  # noqa: S603,S607
    try:
        if not args.smoke_only:
            seconds = build()
            print(f"build: PyInstaller took {seconds:.0f} s", flush=True)
        size = bundle_size(BUNDLE)
        print(f"build: bundle {BUNDLE} is {size / MIB:.0f} MiB", flush=True)
        result = smoke.smoke(BUNDLE, want_libvlc=sys.platform == "win32")
        print(result.version_text.rstrip())
        print(f"build: frozen cold start (time to first window) {result.first_window_s:.2f} s", flush=True)
        if args.installer:
            iscc.sign_programs(BUNDLE)
            version = metadata.version("vms-desk")
            setup = iscc.compile_installer(BUNDLE, version, DIST / "installer", args.installer_compression)
            print(f"build: installer {setup} ({setup.stat().st_size / MIB:.0f} MiB)", flush=True)
    except (smoke.SmokeFailed, libvlc.VlcPinError, iscc.InstallerFailed) as exc:
        print(f"build: failed: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"build: failed: {exc.cmd[0]} exited with {exc.returncode}", file=sys.stderr)
        return 1
    if sys.platform.startswith("linux"):
        print("build: this Linux bundle uses the system's libVLC (apt install libvlc5 vlc-plugin-base).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
