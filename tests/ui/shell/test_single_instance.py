"""A second `vms-desk gui` on one data folder raises the first window and exits (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vms_desk.ui.shell.single_instance import ALREADY_RUNNING

pytestmark = pytest.mark.slow

SERVING = "single instance: this vms_desk runs for"
ASKED = "single instance: a second start asked for the window"


def start_gui(home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "VMS_DESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "vms_desk", "gui"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def log_count(home: Path, text: str) -> int:
    log = home / "logs" / "gui.log"
    return log.read_text(encoding="utf-8").count(text) if log.exists() else 0


def wait_for_log(home: Path, text: str, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while log_count(home, text) < count:
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, f"no {text!r} in the log"
        time.sleep(0.1)  # another process: there is no signal to wait on


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def start_serving(home: Path, processes: list[subprocess.Popen[str]], nth: int) -> subprocess.Popen[str]:
    """A GUI that has claimed `home` (the nth to do so in this test)."""
    process = start_gui(home)
    processes.append(process)
    wait_for_log(home, SERVING, nth, process)
    return process


def test_a_second_start_raises_the_first_window_and_exits(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    first = start_serving(tmp_path, processes, 1)

    second = start_gui(tmp_path)
    processes.append(second)
    _, stderr = second.communicate(timeout=60)
    assert second.returncode == 0
    assert stderr.strip() == ALREADY_RUNNING
    wait_for_log(tmp_path, ASKED, 1, first)
    assert log_count(tmp_path, SERVING) == 1  # the second never started an engine on the store

    first.send_signal(signal.SIGTERM)  # closes the window as a user would
    assert first.wait(60) == 0


def test_a_crashed_first_instance_does_not_block_the_next_start(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    crashed = start_serving(tmp_path, processes, 1)
    crashed.kill()  # no clean-up: its lock file and socket stay behind
    crashed.wait(30)

    after = start_serving(tmp_path, processes, 2)  # it took the lock over; the fixture ends it
    assert after.poll() is None
