"""The smoke test's checks fail with a sentence when the frozen app lacks a vendor or libVLC."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import smoke

from vms_desk import __version__

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="stand-in programs are shell scripts")


def fake_bundle(folder: Path, version_text: str) -> Path:
    """A bundle whose two programs print `version_text` (stand-ins for the frozen programs)."""
    folder.mkdir()
    for name in ("vms-desk", "vms_desk"):
        program = folder / name
        program.write_text(f"#!/bin/sh\ncat <<'END'\n{version_text}\nEND\n", encoding="utf-8")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return folder


def version_text(vendors: str, libvlc: str = "3.0.21") -> str:
    return f"vms_desk {__version__}\npython: 3.13.0\nlibvlc: {libvlc}\nvendor_protocols: {vendors}"


def test_a_bundle_with_every_vendor_passes(tmp_path: Path) -> None:
    app = smoke.Frozen(
        fake_bundle(tmp_path / "b", version_text("axxon-one axxon-psim vdg-sense exacq axis")), tmp_path
    )
    assert "vendor_protocols" in smoke.check_version(app, want_libvlc=True)


def test_a_vendor_missing_from_the_bundle_is_named(tmp_path: Path) -> None:
    app = smoke.Frozen(fake_bundle(tmp_path / "b", version_text("axxon-one exacq")), tmp_path)
    with pytest.raises(smoke.SmokeFailed, match="cannot load the vendor clients axis, axxon-psim, vdg-sense"):
        smoke.check_version(app, want_libvlc=False)


def test_a_windows_bundle_whose_libvlc_does_not_load_fails(tmp_path: Path) -> None:
    text = version_text("axxon-one axxon-psim vdg-sense exacq axis", libvlc="not found")
    app = smoke.Frozen(fake_bundle(tmp_path / "b", text), tmp_path)
    with pytest.raises(smoke.SmokeFailed, match="bundled libVLC does not load"):
        smoke.check_version(app, want_libvlc=True)
    smoke.check_version(app, want_libvlc=False)  # Linux: the system's libVLC is optional


def test_a_missing_program_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(smoke.SmokeFailed, match="is missing from the bundle"):
        smoke.Frozen(tmp_path / "empty", tmp_path)
