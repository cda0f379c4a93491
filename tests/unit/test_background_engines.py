"""The run folder of engines left running (workstation.background), with real processes.

An announcement of a process that is gone is dropped; one that cannot be read is skipped; an engine
that does not hand over in time is ended by force, and its announcement goes with it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from vms_desk.jobs.owner import SEPARATOR, machine, process_started
from vms_desk.workstation import background


def _owner(pid: int) -> str:
    return SEPARATOR.join((machine(), str(pid), process_started(pid) or "", "0badc0de"))


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_announcements_of_ended_or_unreadable_engines_are_not_taken_for_running_ones(tmp_path: Path) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    owner = _owner(ended.pid)
    ended.wait()
    background.announce(tmp_path, ended.pid, owner, 2)
    (tmp_path / "run" / "engine-1.json").write_text("{not json", encoding="utf-8")
    running = _sleeper()
    try:
        background.announce(tmp_path, running.pid, _owner(running.pid), 3)
        found = background.detached_engines(tmp_path)
        assert [(engine.pid, engine.jobs) for engine in found] == [(running.pid, 3)]
        assert found[0].since.tzinfo is not None
        assert not (tmp_path / "run" / f"engine-{ended.pid}.json").exists()  # gone with its process
        assert (tmp_path / "run" / "engine-1.json").exists()  # not ours to delete: skipped, kept
    finally:
        running.kill()
        running.wait()


def test_an_engine_that_does_not_hand_over_is_ended_by_force(tmp_path: Path) -> None:
    stubborn = _sleeper()  # never looks for the handover request
    try:
        background.announce(tmp_path, stubborn.pid, _owner(stubborn.pid), 1)
        assert not background.handover_requested(tmp_path, stubborn.pid)
        taken = asyncio.run(background.take_over(tmp_path, wait_seconds=0.5))
        assert [engine.pid for engine in taken] == [stubborn.pid]
        assert stubborn.wait(10) != 0  # killed, not ended by itself
        assert background.detached_engines(tmp_path) == []
        assert list((tmp_path / "run").iterdir()) == []  # announcement and request both withdrawn
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
            stubborn.wait()


def test_no_run_folder_means_nothing_to_take_over(tmp_path: Path) -> None:
    assert asyncio.run(background.take_over(tmp_path)) == []
