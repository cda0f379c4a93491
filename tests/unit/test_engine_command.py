"""How the window starts its engine process: this Python from source, the console program when frozen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vms_desk.workstation.engine_process import service_command


def test_from_source_it_is_this_python_running_the_package(tmp_path: Path) -> None:
    assert service_command(tmp_path) == [
        sys.executable,
        "-m",
        "vms_desk",
        "engine-service",
        "--home",
        str(tmp_path),
    ]


@pytest.mark.parametrize("suffix", ["", ".exe"])
def test_frozen_it_is_the_console_program_beside_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    window, console = tmp_path / f"vms_desk{suffix}", tmp_path / f"vms-desk{suffix}"
    window.touch()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(window))
    assert service_command(tmp_path)[0] == str(window)  # no console program: the window's own
    console.touch()
    assert service_command(tmp_path) == [str(console), "engine-service", "--home", str(tmp_path)]
