"""Resuming a job the way a later start finds it: saved files kept (re-verified), the rest fetched."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from engine_helpers import make_engine

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.evidence.verify import verify
from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.credentials import fixed_credentials, server_key
from vms_desk.jobs.engine import Engine
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.sim.registry import RunningSim

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"


def _engine(home: Path, http: httpx.AsyncClient, server: ServerConfig) -> Engine:
    return make_engine(
        JobStore(home / "jobs.sqlite3"),
        http,
        fixed_credentials({server_key(server): "demo"}),
        retry=RetryPolicy(attempts=3, first_delay=0.02, max_delay=0.05),
        poll=PollPolicy(first=0.05, maximum=0.1),
    )


@pytest.mark.asyncio
async def test_files_saved_before_the_stop_are_kept_and_a_tampered_one_is_fetched_again(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo")
    engine = _engine(tmp_path, http, server)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    request = ExportRequest(
        camera_id=CAMERA,
        span=TimeSpan(start=end - timedelta(seconds=12), end=end),
        format="mkv",
        options={"maxfilesize": 30_000},  # several files, so the job can stop between them
    )
    stopping: list[asyncio.Task[None]] = []
    asked_to_stop = asyncio.Event()

    def stop_after_two_files(record: JobRecord) -> None:
        if len(record.files) == 2 and not stopping:
            sim.state.faults.update(throttle_bps=20_000)  # the third file cannot finish meanwhile
            stopping.append(asyncio.get_running_loop().create_task(engine.stop()))
            asked_to_stop.set()

    engine.add_listener(stop_after_two_files)
    engine.start()
    job = await engine.submit(
        server, request, camera_name=None, out_dir=tmp_path / "out", case=None, operator=None
    )
    await asyncio.wait_for(asked_to_stop.wait(), 20)
    await stopping[0]
    stopped = engine.store.get(job.id)
    assert stopped.state is JobState.INTERRUPTED
    assert len(stopped.files) == 2
    assert stopped.evidence_dir is not None
    first, second = (stopped.evidence_dir / f.name for f in stopped.files)
    second.write_bytes(second.read_bytes()[:-1] + b"\0")  # changed on disk meanwhile: not evidence
    fetched = len(sim.state.find("/file", "GET"))

    sim.state.faults.update(throttle_bps=0)
    later = _engine(tmp_path, http, server)
    assert [r.id for r in await later.resume_interrupted()] == [job.id]
    await later.run_until_idle()

    final = later.store.get(job.id)
    assert final.state is JobState.DONE, final.error
    assert len(final.files) > 2
    details = [e.detail for e in later.store.events(job.id)]
    assert f"Kept {first.name}: saved and verified before vms_desk stopped." in details
    assert any(d.startswith(f"{second.name} is downloaded again") for d in details)
    names = [r.params.get("name") for r in sim.state.find("/file", "GET")[fetched:]]
    assert first.name not in names  # kept, not fetched again
    assert second.name in names
    assert not list((tmp_path / "out").rglob("*.part"))


@pytest.mark.asyncio
async def test_a_job_stopped_while_verifying_ends_without_its_released_export(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo")
    engine = _engine(tmp_path, http, server)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    request = ExportRequest(
        camera_id=CAMERA, span=TimeSpan(start=end - timedelta(seconds=3), end=end), format="mkv"
    )
    stopping: list[asyncio.Task[None]] = []
    asked_to_stop = asyncio.Event()

    def stop_when_verifying(record: JobRecord) -> None:
        if record.state is JobState.VERIFYING and not stopping:
            stopping.append(asyncio.get_running_loop().create_task(engine.stop()))
            asked_to_stop.set()

    engine.add_listener(stop_when_verifying)
    engine.start()
    job = await engine.submit(
        server, request, camera_name=None, out_dir=tmp_path / "out", case=None, operator=None
    )
    await asyncio.wait_for(asked_to_stop.wait(), 20)
    await stopping[0]
    stopped = engine.store.get(job.id)
    assert stopped.state is JobState.INTERRUPTED
    assert stopped.handle is not None
    # The server released the export meanwhile (as `finish` does just before the job is done).
    await http.delete(f"{sim.url}/export/{stopped.handle.export_ids[0]}", auth=("demo", "demo"))
    posts = len(sim.state.find("/export/archive", "POST"))

    later = _engine(tmp_path, http, server)
    await later.resume_interrupted()
    await later.run_until_idle()

    final = later.store.get(job.id)
    assert final.state is JobState.DONE, final.error
    assert final.files == stopped.files
    assert len(sim.state.find("/export/archive", "POST")) == posts  # not exported again
    details = [e.detail for e in later.store.events(job.id)]
    assert "Resuming: every file had been saved and checked before vms_desk stopped." in details
    assert final.manifest is not None
    assert verify(tmp_path / "out").ok
