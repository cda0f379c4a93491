"""The window's engine in a process of its own (workstation.engine_process), against a real simulator.

Every test starts the real `vms-desk engine-service` child over its pipes: exports run there to the
right hash, errors come back as the same class and sentence, closing the window interrupts jobs and the
next start resumes them, a killed engine process is replaced and its job resumed, and a killed window
takes its engine process with it, leaving the job resumable.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from crash_helpers import Job, part_bytes, served_files, sha256
from engine_process_helpers import CAMERA, EXPORT_BYTES, axxon_server, axxon_sim, window_workstation

from vms_desk.core.errors import InputError
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import TimeSpan
from vms_desk.jobs.engine import JobBusy
from vms_desk.jobs.records import JobRecord
from vms_desk.sim.registry import RunningSim
from vms_desk.workstation.engine_process import EngineProcess
from vms_desk.workstation.root import Workstation

TIMEOUT = 40.0
THROTTLE = 512 * 1024  # bytes/s: a download that is still running when the test acts


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[RunningSim]:
    with axxon_sim(tmp_path / "sim", export_seconds=0.5) as running:
        yield running


def _request(seconds: int = 60) -> ExportRequest:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    return ExportRequest(
        camera_id=CAMERA, span=TimeSpan(start=end - timedelta(seconds=seconds), end=end), format="mp4"
    )


async def _submit(control: EngineProcess, sim: RunningSim, out: Path, seconds: int = 60) -> JobRecord:
    return await control.submit(
        axxon_server(sim), _request(seconds), camera_name=None, out_dir=out, case=None, operator="ann"
    )


async def _until(control: EngineProcess, job_id: str, *states: JobState) -> JobRecord:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        record = await control.writer.call(control.store.get, job_id)
        if record.state in states:
            return record
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {states}: {record.state} {record.error}")


async def _downloading(control: EngineProcess, job_id: str) -> None:
    """Until some bytes of the job are in its `.part`."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        record = await control.writer.call(control.store.get, job_id)
        job = Job(record.id, str(record.state), None, record.evidence_dir)
        if record.state is JobState.DOWNLOADING and part_bytes(job) > 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the download never started")


def _file(record: JobRecord) -> Path:
    assert record.evidence_dir is not None
    assert len(record.files) == 1
    return record.evidence_dir / record.files[0].name


def test_an_export_runs_in_the_engine_process_below_the_windows_priority(
    home: Path, sim: RunningSim, tmp_path: Path
) -> None:
    async def run() -> None:
        workstation, control = window_workstation(home, sim)
        states: list[JobState] = []
        progress: list[int] = []
        control.add_listener(lambda record: states.append(record.state))
        control.add_progress_listener(lambda value: progress.append(value.done))
        control.start()
        try:
            with served_files(sim.state.workdir, tmp_path / "served") as served:
                record = await _submit(control, sim, tmp_path / "ev")
                pid = control.pid
                assert pid is not None
                assert pid != os.getpid()
                if hasattr(os, "getpriority"):
                    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
                if sys.platform.startswith("linux"):
                    # Every thread of the child, its download threads too, yields to any normal one.
                    await asyncio.sleep(0.5)
                    tasks = [int(name) for name in os.listdir(f"/proc/{pid}/task")]
                    assert len(tasks) > 1
                    assert {os.sched_getscheduler(t) for t in tasks} == {os.SCHED_IDLE}
                done = await _until(control, record.id, JobState.DONE, JobState.FAILED)
                assert done.state is JobState.DONE, done.error
                # Whatever the simulator served is what was saved and recorded.
                (original,) = [p for p in served.rglob("*") if p.is_file()]
                assert sha256(_file(done)) == sha256(original) == done.files[0].sha256
            await asyncio.sleep(0.3)  # the last record event follows the store's write
            assert JobState.DOWNLOADING in states
            assert states[-1] is JobState.DONE
            assert progress
            assert max(progress) == EXPORT_BYTES
            # The engine process wrote the audit log: the window's own reading of it has the job.
            assert any(record.id in str(entry) for entry in workstation.audit.entries())
        finally:
            await workstation.aclose()
        assert control.pid is None

    asyncio.run(run())


def test_errors_come_back_as_the_engines_own(home: Path, sim: RunningSim, tmp_path: Path) -> None:
    async def run() -> None:
        workstation, control = window_workstation(home, sim)
        control.start()
        try:
            record = await _submit(control, sim, tmp_path / "ev", 2)
            await _until(control, record.id, JobState.DONE)
            with pytest.raises(JobBusy, match="Only failed or cancelled jobs can be retried"):
                await control.retry(record.id)
            with pytest.raises(InputError, match="does not know the request"):
                await control._request("format-disk")
        finally:
            await workstation.aclose()

    asyncio.run(run())


def test_cancel_and_retry_go_through_the_engine_process(home: Path, sim: RunningSim, tmp_path: Path) -> None:
    sim.state.faults.update(throttle_bps=THROTTLE)

    async def run() -> None:
        workstation, control = window_workstation(home, sim)
        control.start()
        try:
            record = await _submit(control, sim, tmp_path / "ev")
            await _downloading(control, record.id)
            cancelled = await control.cancel(record.id)
            assert cancelled.state is JobState.CANCELLED
            sim.state.faults.update(throttle_bps=0)
            retried = await control.retry(record.id)
            assert retried.state is JobState.QUEUED
            done = await _until(control, record.id, JobState.DONE, JobState.FAILED)
            assert done.state is JobState.DONE, done.error
            assert sha256(_file(done)) == done.files[0].sha256
        finally:
            await workstation.aclose()

    asyncio.run(run())


def test_closing_interrupts_and_the_next_start_resumes(home: Path, sim: RunningSim, tmp_path: Path) -> None:
    sim.state.faults.update(throttle_bps=THROTTLE)

    async def run() -> str:
        workstation, control = window_workstation(home, sim)
        control.start()
        try:
            record = await _submit(control, sim, tmp_path / "ev")
            await _downloading(control, record.id)
        finally:
            await workstation.aclose()
        stopped = workstation.store.get(record.id)
        assert stopped.state is JobState.INTERRUPTED, stopped.state
        return record.id

    job_id = asyncio.run(run())
    sim.state.faults.update(throttle_bps=0)

    async def again() -> None:
        workstation, control = window_workstation(home, sim)
        control.start()
        try:
            resumed = await control.resume_interrupted()
            assert [r.id for r in resumed] == [job_id]
            done = await _until(control, job_id, JobState.DONE, JobState.FAILED)
            assert done.state is JobState.DONE, done.error
            assert sha256(_file(done)) == done.files[0].sha256
            assert done.files[0].size == EXPORT_BYTES
        finally:
            await workstation.aclose()

    asyncio.run(again())


def test_a_killed_engine_process_is_replaced_and_its_job_resumed(
    home: Path, sim: RunningSim, tmp_path: Path
) -> None:
    sim.state.faults.update(throttle_bps=THROTTLE)

    async def run() -> None:
        workstation, control = window_workstation(home, sim)
        states: list[JobState] = []
        control.add_listener(lambda record: states.append(record.state))
        control.start()
        try:
            with served_files(sim.state.workdir, tmp_path / "served") as served:
                record = await _submit(control, sim, tmp_path / "ev")
                await _downloading(control, record.id)
                first = control.pid
                assert first is not None
                os.kill(first, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
                sim.state.faults.update(throttle_bps=0)
                done = await _until(control, record.id, JobState.DONE, JobState.FAILED)
                assert done.state is JobState.DONE, done.error
                assert control.pid not in (None, first)
                assert JobState.INTERRUPTED in states  # the window saw the job stop, then go on
                originals = {sha256(p) for p in served.rglob("*") if p.is_file()}
                assert sha256(_file(done)) in originals
                assert done.files[0].size == EXPORT_BYTES
        finally:
            await workstation.aclose()

    asyncio.run(run())


WINDOW = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from datetime import datetime, timedelta, UTC
    from vms_desk.core.export import ExportRequest
    from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
    from vms_desk.workstation.root import Workstation

    async def main():
        ws = Workstation.open(Path(sys.argv[1]), window=True)
        server = ServerConfig(vendor=Vendor.AXXON_ONE, url=sys.argv[2], user="demo")
        ws.passwords.remember(server, "demo")
        ws.control.start()
        end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        span = TimeSpan(start=end - timedelta(seconds=60), end=end)
        request = ExportRequest(camera_id=sys.argv[3], span=span, format="mp4")
        record = await ws.control.submit(
            server, request, camera_name=None, out_dir=Path(sys.argv[4]), case=None, operator="ann"
        )
        print(record.id, ws.control.pid, flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="a killed parent's pipe ends the same way; POSIX here")
def test_a_killed_window_takes_its_engine_process_along(home: Path, sim: RunningSim, tmp_path: Path) -> None:
    sim.state.faults.update(throttle_bps=THROTTLE)
    window = subprocess.Popen(
        [sys.executable, "-c", WINDOW, str(home), sim.url, CAMERA, str(tmp_path / "ev")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "VMS_DESK_HOME": str(home)},
    )
    try:
        assert window.stdout is not None
        job_id, pid_text = window.stdout.readline().split()
        engine_pid = int(pid_text)
        store = Workstation.open(home).store
        deadline = time.monotonic() + TIMEOUT
        while store.get(job_id).state is not JobState.DOWNLOADING:
            assert time.monotonic() < deadline, store.get(job_id)
            time.sleep(0.05)
        window.kill()
        window.wait(10)
        deadline = time.monotonic() + TIMEOUT
        while _alive(engine_pid):
            assert time.monotonic() < deadline, "the engine process outlived its window"
            time.sleep(0.05)
        assert store.get(job_id).state is JobState.INTERRUPTED
    finally:
        if window.poll() is None:
            window.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie waits for its reaper: gone
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_stray_output_and_store_health_reach_the_window_as_they_should(
    home: Path, sim: RunningSim, tmp_path: Path
) -> None:
    """A library printing on stdout before the service owns it is logged and skipped; the engine
    process's word that the store is unreachable (and back) reaches the window's health listeners."""
    noisy = (
        "import sys; print('a library says hello'); sys.stdout.flush(); "
        "from vms_desk.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    workstation = Workstation.open(home)
    workstation.passwords.remember(axxon_server(sim), "demo")
    control = EngineProcess(
        home,
        workstation.store,
        workstation.passwords,
        workstation=workstation.name,
        command=[sys.executable, "-c", noisy, "engine-service", "--home", str(home)],
    )
    heard: list[object] = []
    control.add_health_listener(heard.append)

    async def run() -> None:
        control.start()
        try:
            record = await _submit(control, sim, tmp_path / "ev", 2)
            done = await _until(control, record.id, JobState.DONE, JobState.FAILED)
            assert done.state is JobState.DONE, done.error
            # What the engine process sends when its store writes fail, then get through again.
            control._take({"event": "health", "error": {"type": "StoreUnreachable", "message": "Gone."}})
            control._take({"event": "health", "error": None})
        finally:
            await control.stop()
            await workstation.aclose()

    asyncio.run(run())
    assert [type(h).__name__ for h in heard] == ["StoreUnreachable", "NoneType"]
    assert str(heard[0]) == "Gone."
