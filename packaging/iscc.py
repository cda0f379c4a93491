"""Compile installer.iss with Inno Setup's ISCC.exe: natively on Windows, under wine elsewhere.

Signing is ready but off: when VMS_DESK_SIGN_CERT names a .pfx (and VMS_DESK_SIGN_PASSWORD holds its
password), signtool signs the two programs before packing, and ISCC signs the installer and its
uninstaller through the `vmsdesk` sign tool it is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMESTAMP_URL = "http://timestamp.digicert.com"


class InstallerFailed(RuntimeError):
    """ISCC or signtool is missing or reported an error."""


def _windows_path(path: Path) -> str:
    # wine maps the Linux root to drive Z:.
    return str(path) if sys.platform == "win32" else "Z:" + str(path).replace("/", "\\")


def find_iscc() -> list[str]:
    """The command that runs ISCC.exe here (with wine on Linux, installed on first use)."""
    if sys.platform == "win32":
        candidates = [os.environ.get("ISCC", ""), shutil.which("ISCC") or ""]
        for base in (os.environ.get("PROGRAMFILES(X86)", ""), os.environ.get("PROGRAMFILES", "")):
            candidates.append(str(Path(base) / "Inno Setup 6" / "ISCC.exe"))
        for candidate in candidates:
            if candidate and Path(candidate).is_file():
                return [candidate]
        raise InstallerFailed(
            "ISCC.exe not found: install Inno Setup 6 (choco install innosetup) or set ISCC."
        )
    script = HERE / "install-innosetup.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)  # noqa: S603,S607
    if done.returncode != 0:
        raise InstallerFailed(f"{script.name} failed: {done.stderr.strip()}")
    return ["wine", done.stdout.strip().splitlines()[-1]]


def signing() -> tuple[list[str], list[str]] | None:
    """(signtool command prefix, ISCC /S argument), or None when no certificate is configured."""
    cert = os.environ.get("VMS_DESK_SIGN_CERT", "")
    if not cert:
        return None
    if sys.platform != "win32":
        raise InstallerFailed("Signing needs Windows' signtool; unset VMS_DESK_SIGN_CERT here.")
    tool = os.environ.get("SIGNTOOL") or shutil.which("signtool") or "signtool"
    password = os.environ.get("VMS_DESK_SIGN_PASSWORD", "")
    command = [tool, "sign", "/fd", "sha256", "/td", "sha256", "/tr", TIMESTAMP_URL, "/f", cert]
    if password:
        command += ["/p", password]
    # ISCC replaces $f with the file to sign and $q with a quote.
    iscc_tool = " ".join(f"$q{part}$q" if " " in part else part for part in command) + " $f"
    return command, [f"/Svmsdesk={iscc_tool}"]


def sign_programs(bundle: Path) -> None:
    """Sign the two programs in the bundle when a certificate is configured."""
    configured = signing()
    if configured is None:
        return
    command, _ = configured
    for name in ("vms_desk.exe", "vms-desk.exe"):
        done = subprocess.run([*command, str(bundle / name)], capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise InstallerFailed(
                f"signtool could not sign {name}: {done.stdout.strip()} {done.stderr.strip()}"
            )


def compile_installer(bundle: Path, version: str, out_dir: Path, compression: str = "") -> Path:
    """Run ISCC on installer.iss against `bundle`; the setup program it wrote.

    `compression` overrides the script's (e.g. `none` for a quick check of the script under wine).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    configured = signing()
    sign_args = ["/DSignTool=vmsdesk", *configured[1]] if configured else []
    command = [
        *find_iscc(),
        f"/DAppVersion={version}",
        f"/DBundleDir={_windows_path(bundle)}",
        f"/O{_windows_path(out_dir)}",
        *([f"/DCompression={compression}"] if compression else []),
        *sign_args,
        _windows_path(ROOT / "installer.iss"),
    ]
    env = {**os.environ, "WINEDEBUG": "-all"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        raise InstallerFailed(f"ISCC exited with {done.returncode}: {done.stderr.strip() or 'see above'}")
    setup = out_dir / f"vms_desk-{version}-setup.exe"
    if not setup.is_file():
        raise InstallerFailed(f"ISCC reported success but {setup} is missing.")
    return setup
