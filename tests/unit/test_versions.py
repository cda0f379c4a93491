"""`vms-desk --version` names the app and the versions of what it runs on, without loading Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

from vms_desk import __version__
from vms_desk.core.models import Vendor
from vms_desk.versions import NOT_FOUND, library_versions, version_text


def run_version(**env: str) -> subprocess.CompletedProcess[str]:
    code = "import sys, vms_desk.cli as c; sys.exit(c.main(['--version']))"
    return subprocess.run(
        [sys.executable, "-c", code + "\nassert 'PySide6.QtCore' not in sys.modules"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def test_version_lists_app_python_qt_libvlc_pyav_and_every_vendor() -> None:
    lines = version_text().splitlines()
    assert lines[0] == f"vms_desk {__version__}"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert list(fields) == ["python", "qt", "libvlc", "pyav", "vendor_protocols"]
    assert fields["python"] == ".".join(map(str, sys.version_info[:3]))
    assert fields["qt"] == metadata.version("PySide6-Essentials")
    assert fields["pyav"] == metadata.version("av")
    assert fields["vendor_protocols"].split() == [vendor.value for vendor in Vendor]


def test_the_cli_prints_the_versions_without_importing_qt() -> None:
    done = run_version()
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"vms_desk {__version__}"
    assert "vendor_protocols: axxon-one axxon-psim vdg-sense exacq axis" in done.stdout


def test_a_libvlc_that_does_not_load_is_reported_as_not_found() -> None:
    # python-vlc would exit the process on a bad PYTHON_VLC_LIB_PATH; --version must still answer.
    done = run_version(PYTHON_VLC_LIB_PATH=os.devnull)
    assert done.returncode == 0, done.stderr
    assert f"libvlc: {NOT_FOUND}" in done.stdout


def test_callers_get_a_copy() -> None:
    library_versions()["python"] = "changed"
    assert library_versions()["python"] != "changed"
