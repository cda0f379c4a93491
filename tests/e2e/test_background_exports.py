"""Exports kept running after the window closes (workstation.background), against a real simulator.

The window's engine process is told to detach, the window's Workstation closes, and the real child runs
on: the export ends with the served file's hash, the child ends by itself, and the audit log says what
happened. Or the next window starts first: it takes the running export over (the old engine interrupts
it, the new one resumes it from its partial file) and it still ends with the served hash.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from crash_helpers import Job, part_bytes, served_files, sha256
from engine_process_helpers import CAMERA, EXPORT_BYTES, axxon_server, axxon_sim, window_workstation

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import TimeSpan
from vms_desk.jobs.owner import owner_alive
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.sim.registry import RunningSim
from vms_desk.workstation import background
from vms_desk.workstation.engine_process import EngineProcess
from vms_desk.workstation.root import Workstation

TIMEOUT = 40.0
THROTTLE = 256 * 1024  # bytes/s: the download is still running when the window closes


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[RunningSim]:
    with axxon_sim(tmp_path / "sim", export_seconds=0.3) as running:
        running.state.faults.update(throttle_bps=THROTTLE)  # lifted once the window has closed
        yield running


async def _start_one(control: EngineProcess, sim: RunningSim, out: Path) -> JobRecord:
    """Queue one export and wait until its first bytes are in its partial file."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    request = ExportRequest(
        camera_id=CAMERA, span=TimeSpan(start=end - timedelta(seconds=60), end=end), format="mp4"
    )
    record = await control.submit(
        axxon_server(sim), request, camera_name=None, out_dir=out, case="C-77", operator="ann"
    )
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        now = await control.writer.call(control.store.get, record.id)
        if now.state is JobState.DOWNLOADING and part_bytes(
            Job(now.id, str(now.state), None, now.evidence_dir)
        ):
            return now
        await asyncio.sleep(0.05)
    raise AssertionError("the download never started")


async def _close_keeping_one_running(home: Path, sim: RunningSim, out: Path) -> tuple[JobRecord, int, str]:
    """A window starts one export, closes and keeps it running: the job, the engine's pid and owner."""
    workstation, control = window_workstation(home, sim)
    control.start()
    try:
        record = await _start_one(control, sim, out)
        pid, owner = control.pid, control.owner
        assert pid is not None
        assert await control.detach("ann") == 1
    finally:
        await workstation.aclose()  # the window is gone; its engine process is not
    return record, pid, owner


def _wait(what: str, ready: object) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not ready():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _engine_entries(home: Path) -> list[tuple[str, int | None]]:
    entries = Workstation.open(home).audit.entries()
    return [(e["outcome"], e.get("jobs")) for e in entries if e["action"] == "engine"]


def _check_file(record: JobRecord, served: Path) -> None:
    assert record.state is JobState.DONE, record.error
    assert record.evidence_dir is not None
    assert len(record.files) == 1
    path = record.evidence_dir / record.files[0].name
    assert path.stat().st_size == EXPORT_BYTES
    assert sha256(path) == record.files[0].sha256
    assert record.files[0].sha256 in {sha256(p) for p in served.rglob("*") if p.is_file()}


def test_an_export_kept_running_ends_after_its_window_closed(
    home: Path, sim: RunningSim, tmp_path: Path
) -> None:
    with served_files(sim.state.workdir, tmp_path / "served") as served:
        record, pid, _ = asyncio.run(_close_keeping_one_running(home, sim, tmp_path / "ev"))
        store = JobStore(home / "jobs.sqlite3")
        announced = background.detached_engines(home)
        assert [engine.pid for engine in announced] == [pid]
        assert store.get(record.id).state is JobState.DOWNLOADING  # not interrupted: still running
        sim.state.faults.update(throttle_bps=0)
        _wait("the export kept running never ended", lambda: store.get(record.id).state.finished)
        _check_file(store.get(record.id), served)
        _wait("the engine process outlived its exports", lambda: not announced[0].alive())
        assert background.detached_engines(home) == []
        assert not (home / "run" / f"engine-{pid}.json").exists()
    assert _engine_entries(home) == [("kept running", 1), ("finished", None)]


def test_the_next_window_takes_over_an_export_left_running(
    home: Path, sim: RunningSim, tmp_path: Path
) -> None:
    with served_files(sim.state.workdir, tmp_path / "served") as served:
        record, _, old_owner = asyncio.run(_close_keeping_one_running(home, sim, tmp_path / "ev"))
        assert owner_alive(old_owner)

        async def next_window() -> JobRecord:
            workstation, control = window_workstation(home, sim)
            control.start()
            try:
                resumed = await control.resume_interrupted()
                assert [r.id for r in resumed] == [record.id]
                assert owner_alive(old_owner) is False  # it handed over and ended
                assert resumed[0].owner == control.owner
                sim.state.faults.update(throttle_bps=0)
                deadline = time.monotonic() + TIMEOUT
                while time.monotonic() < deadline:
                    done = await control.writer.call(control.store.get, record.id)
                    if done.state.finished:
                        return done
                    await asyncio.sleep(0.05)
                raise AssertionError("the export taken over never ended")
            finally:
                await workstation.aclose()

        done = asyncio.run(next_window())
        _check_file(done, served)
    states = [event.state for event in JobStore(home / "jobs.sqlite3").events(record.id)]
    assert JobState.INTERRUPTED in states  # handed over as at any close, then resumed from its .part
    assert _engine_entries(home) == [("kept running", 1), ("handed over", 1)]
    assert background.detached_engines(home) == []
