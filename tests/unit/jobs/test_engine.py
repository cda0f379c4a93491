"""The engine against the Axxon One simulator over real sockets: states, cleanup, faults, limits."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from engine_helpers import make_engine

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle, VendorClient
from vms_desk.evidence.verify import verify
from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.credentials import fixed_credentials, server_key
from vms_desk.jobs.engine import Engine, JobBusy
from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.sim.registry import RunningSim
from vms_desk.vendors.registry import create_client

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.02, max_delay=0.05)
FAST_POLL = PollPolicy(first=0.05, maximum=0.1)


def request(seconds: int = 2, fmt: str = "mkv", **options: Any) -> ExportRequest:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    return ExportRequest(
        camera_id=CAMERA,
        span=TimeSpan(start=end - timedelta(seconds=seconds), end=end),
        format=fmt,
        options=options,
    )


def server_of(sim: RunningSim, password: str = "demo") -> tuple[ServerConfig, Callable[..., Any]]:
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo")
    return server, fixed_credentials({server_key(server): password})


class SpyClient:
    """The real client; records what was on disk when `finish` (server cleanup) was called."""

    def __init__(self, inner: VendorClient, root: Path, seen: list[tuple[list[Path], list[Path]]]) -> None:
        self.inner = inner
        self.root = root
        self.seen = seen

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def finish(self, handle: ExportHandle) -> str:
        files = [p for p in self.root.rglob("*") if p.is_file()]
        self.seen.append(([p for p in files if p.name.endswith(".part")], files))
        return await self.inner.finish(handle)


def store_bytes(path: Path) -> bytes:
    """Every byte of the database and its WAL, after a checkpoint."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(FULL)")
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def engine_for(tmp_path: Path, http: httpx.AsyncClient, credentials: Callable[..., Any], **kw: Any) -> Engine:
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("poll", FAST_POLL)
    return make_engine(JobStore(tmp_path / "jobs.sqlite3"), http, credentials, **kw)


async def export_one(
    engine: Engine, server: ServerConfig, out: Path, req: ExportRequest | None = None, **kw: Any
) -> JobRecord:
    record = await engine.submit(
        server,
        req or request(),
        camera_name=kw.pop("camera_name", None),
        out_dir=out,
        case=kw.pop("case", "Case 7"),
        operator="tester",
        **kw,
    )
    await engine.run_until_idle()
    return engine.store.get(record.id)


def states_of(changes: list[JobRecord], job_id: str) -> list[JobState]:
    result: list[JobState] = []
    for record in changes:
        if record.id == job_id and (not result or result[-1] is not record.state):
            result.append(record.state)
    return result


@pytest.mark.asyncio
async def test_export_runs_every_state_and_releases_the_server_after_rename(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    server, credentials = server_of(sim)
    out = tmp_path / "out"
    seen: list[tuple[list[Path], list[Path]]] = []
    engine = engine_for(
        tmp_path,
        http,
        credentials,
        client_factory=lambda c, p, h: SpyClient(create_client(c, p, h), out, seen),
    )
    changes: list[JobRecord] = []
    progress: list[JobProgress] = []
    engine.add_listener(changes.append)
    engine.add_progress_listener(progress.append)
    record = await export_one(engine, server, out)

    assert record.state is JobState.DONE, record.error
    assert states_of(changes, record.id) == [
        JobState.QUEUED,
        JobState.SUBMITTING,
        JobState.PROCESSING,
        JobState.DOWNLOADING,
        JobState.VERIFYING,
        JobState.DONE,
    ]
    assert record.camera_name == "Entrance"  # looked up on the server
    assert record.evidence_dir is not None
    assert record.evidence_dir.parent == out / "Case 7"
    assert record.evidence_dir.name.endswith(f"_Entrance_{record.id[:8]}")
    assert record.manifest == record.evidence_dir / "manifest.json"
    assert verify(out).ok
    assert [p.name for p in record.evidence_dir.iterdir() if p.suffix == ".part"] == []
    # finish (DELETE) came only once every file was renamed: nothing partial, the file in place.
    assert len(seen) == 1
    parts, files = seen[0]
    assert parts == []
    assert {f.name for f in files} == {record.files[0].name}
    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in sim.state.requests if "/export/" in r.path]
    assert methods[-2:] == [("GET", "file"), ("DELETE", record.handle.export_ids[0])]  # type: ignore[union-attr]
    assert progress[-1].done == record.files[0].size
    assert any(p.server_progress == 1.0 for p in progress)
    events = [e.detail for e in engine.store.events(record.id)]
    assert "The export was deleted from the Axxon One server." in events


@pytest.mark.asyncio
async def test_vendor_failure_fails_the_job_and_cleans_everything(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    sim.state.faults.update(export_fails=1)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.FAILED
    assert record.error
    assert "\n" not in record.error
    last = engine.store.events(record.id)[-1]
    assert (last.state, last.detail) == (JobState.FAILED, record.error)
    assert record.manifest is None
    assert not list((tmp_path / "out").rglob("*.part"))
    assert not list((tmp_path / "out").rglob("manifest.json"))
    assert sim.state.find("/export/", "DELETE")  # the failed export was released too


@pytest.mark.asyncio
async def test_transient_5xx_is_retried(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    sim.state.faults.update(fail_next=2, fail_status=503, fail_path="/status")
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.DONE, record.error
    assert any("try 1 of 3" in e.detail for e in engine.store.events(record.id))


@pytest.mark.asyncio
async def test_persistent_5xx_gives_up_with_the_last_error(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    sim.state.faults.update(fail_next=100, fail_status=500, fail_path="/export/archive")
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.FAILED
    assert "HTTP 500" in record.error
    assert len(sim.state.find("/export/archive", "POST")) == FAST_RETRY.attempts


@pytest.mark.asyncio
async def test_wrong_password_fails_at_once(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    server, credentials = server_of(sim, password="wrong")
    engine = engine_for(tmp_path, http, credentials)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.FAILED
    assert "password" in record.error
    assert not sim.state.find("/export/")


@pytest.mark.asyncio
async def test_unknown_camera_is_refused_by_name(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    req = request().model_copy(update={"camera_id": "Server1/DeviceIpint.99/SourceEndpoint.video:0:0"})
    record = await export_one(engine, server, tmp_path / "out", req)
    assert record.state is JobState.FAILED
    assert "DeviceIpint.99" in record.error


@pytest.mark.asyncio
async def test_dropped_download_still_completes(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    sim.state.faults.update(drop_after=1_000, drop_count=1)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.DONE, record.error
    assert len(sim.state.find("/file", "GET")) == 2
    assert verify(tmp_path / "out").ok


@pytest.mark.asyncio
async def test_cancel_while_processing(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=5)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    processing = asyncio.Event()
    engine.add_listener(lambda r: processing.set() if r.state is JobState.PROCESSING else None)
    engine.start()
    record = await engine.submit(
        server, request(), camera_name="Entrance", out_dir=tmp_path / "out", case=None, operator=None
    )
    await asyncio.wait_for(processing.wait(), 5)
    cancelled = await engine.cancel(record.id)
    await engine.stop()
    assert cancelled.state is JobState.CANCELLED
    assert engine.store.events(record.id)[-1].detail == "Cancelled by the user."
    assert sim.state.find("/export/", "DELETE")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.*"))


@pytest.mark.asyncio
async def test_export_forgotten_by_the_server_is_restarted_once(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=1)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    forgotten: list[str] = []

    def forget(record: JobRecord) -> None:
        if record.state is JobState.PROCESSING and record.handle and not forgotten:
            export_id = record.handle.export_ids[0]
            forgotten.append(export_id)
            httpx.delete(f"{sim.url}/export/{export_id}", auth=("demo", "demo"))  # the server forgets it

    engine.add_listener(forget)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.DONE, record.error
    assert len(sim.state.find("/export/archive", "POST")) == 2
    assert record.handle is not None
    assert record.handle.export_ids[0] != forgotten[0]
    assert any("forgot the export" in e.detail for e in engine.store.events(record.id))


@pytest.mark.asyncio
async def test_serial_per_server_parallel_across_servers(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    first_sim, other_sim = sim_factory(Vendor.AXXON_ONE), sim_factory(Vendor.AXXON_ONE)
    first, _ = server_of(first_sim)
    other, _ = server_of(other_sim)
    credentials = fixed_credentials({server_key(first): "demo", server_key(other): "demo"})
    engine = engine_for(tmp_path, http, credentials)
    timeline: list[tuple[float, str, JobState]] = []
    engine.add_listener(lambda r: timeline.append((time.monotonic(), r.id, r.state)))
    a1 = await engine.submit(first, request(), camera_name=None, out_dir=tmp_path, case=None, operator=None)
    a2 = await engine.submit(first, request(), camera_name=None, out_dir=tmp_path, case=None, operator=None)
    b1 = await engine.submit(other, request(), camera_name=None, out_dir=tmp_path, case=None, operator=None)
    await engine.run_until_idle()

    def when(job: str, state: JobState) -> float:
        return next(t for t, j, s in timeline if j == job and s is state)

    assert all(engine.store.get(j.id).state is JobState.DONE for j in (a1, a2, b1))
    assert when(a2.id, JobState.SUBMITTING) >= when(a1.id, JobState.DONE)
    assert when(b1.id, JobState.SUBMITTING) < when(a1.id, JobState.DONE)


@pytest.mark.asyncio
async def test_stop_interrupts_and_the_next_engine_resumes_the_same_export(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=1.5)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    processing = asyncio.Event()
    engine.add_listener(lambda r: processing.set() if r.state is JobState.PROCESSING else None)
    engine.start()
    record = await engine.submit(
        server, request(), camera_name=None, out_dir=tmp_path / "out", case=None, operator=None
    )
    await asyncio.wait_for(processing.wait(), 5)
    await engine.stop()
    assert engine.store.get(record.id).state is JobState.INTERRUPTED

    later = engine_for(tmp_path, http, credentials)
    assert [r.id for r in await later.resume_interrupted()] == [record.id]
    await later.run_until_idle()
    final = later.store.get(record.id)
    assert final.state is JobState.DONE, final.error
    assert len(sim.state.find("/export/archive", "POST")) == 1  # the same export, polled again


@pytest.mark.asyncio
async def test_retry_and_remove(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    sim.state.faults.update(export_fails=1)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials)
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.FAILED
    retried = await engine.retry(record.id)
    assert (retried.state, retried.error) == (JobState.QUEUED, "")
    await engine.run_until_idle()
    assert engine.store.get(record.id).state is JobState.DONE
    with pytest.raises(JobBusy):
        await engine.retry(record.id)  # done jobs are never re-run
    engine.remove(record.id)
    assert engine.jobs() == []
    assert verify(tmp_path / "out").ok  # removing a job keeps its evidence
    # The GUI's way: the same checks, the delete on the store's writer thread.
    queued = await engine.submit(
        server, request(), camera_name=None, out_dir=tmp_path / "out", case=None, operator=None
    )
    with pytest.raises(JobBusy):
        await engine.discard(queued.id)
    await engine.cancel(queued.id)
    await engine.discard(queued.id)
    assert engine.jobs() == []


@pytest.mark.asyncio
async def test_secrets_never_reach_the_store(http: httpx.AsyncClient, tmp_path: Path) -> None:
    server = ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:9", user="root")
    engine = engine_for(tmp_path, http, fixed_credentials({}))
    record = await engine.submit(
        server,
        request(password="hunter2", encryptionformat="zip-aes256"),
        camera_name="Door",
        out_dir=tmp_path,
        case=None,
        operator=None,
        secrets={"passphrase": "swordfish"},
    )
    assert record.request.options == {"password": "***", "encryptionformat": "zip-aes256"}
    raw = store_bytes(engine.store.path)
    assert b"hunter2" not in raw
    assert b"swordfish" not in raw
    assert b"zip-aes256" in raw
    cancelled = await engine.cancel(record.id)  # never started: cancelled without a server
    assert cancelled.state is JobState.CANCELLED


@pytest.mark.asyncio
async def test_session_bound_export_lost_at_relogin_is_said_and_restarted(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """exacqVision export ids die with the API session: after a re-login the job says so and restarts."""
    sim = sim_factory(Vendor.EXACQ, export_seconds=0.8)
    server = ServerConfig(vendor=Vendor.EXACQ, url=sim.url, user="demo")
    engine = engine_for(tmp_path, http, fixed_credentials({server_key(server): "demo"}))
    expired: list[str] = []

    def expire(record: JobRecord) -> None:
        if record.state is JobState.PROCESSING and not expired:
            expired.append(record.id)
            sim.state.faults.update(expire_sessions=True)

    engine.add_listener(expire)
    camera = (await (await engine.clients.get(server)).list_cameras())[0].id
    req = request().model_copy(update={"camera_id": camera, "format": "mp4"})
    record = await export_one(engine, server, tmp_path / "out", req)
    assert record.state is JobState.DONE, record.error
    assert record.handle is not None
    assert record.handle.session_bound
    details = [e.detail for e in engine.store.events(record.id)]
    assert any("forgot the export" in d and "session" in d for d in details)
    assert sum(d.startswith("The server accepted the export") for d in details) == 2


@pytest.mark.parametrize("vendor", [Vendor.AXXON_PSIM, Vendor.AXIS])
def test_vendors_without_a_release_call_do_not_claim_one(vendor: Vendor) -> None:
    """The evidence trail must not say an export was released where the vendor has no release call."""

    async def said() -> str:
        async with httpx.AsyncClient() as http:
            client = create_client(ServerConfig(vendor=vendor, url="http://127.0.0.1:9"), "x", http)
            return await client.finish(ExportHandle(export_ids=("1",)))

    sentence = asyncio.run(said()).lower()
    assert "no " in sentence
    assert "deleted" not in sentence


@pytest.mark.asyncio
async def test_a_finished_export_is_noticed_soon_with_at_most_one_status_request_a_second(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=6)
    server, credentials = server_of(sim)
    engine = engine_for(tmp_path, http, credentials, poll=PollPolicy())  # the shipped pacing
    record = await export_one(engine, server, tmp_path / "out")
    assert record.state is JobState.DONE, record.error
    (started,) = sim.state.find("/export/archive", "POST")
    polls = [r.at for r in sim.state.find("/status", "GET")]
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert min(gaps) >= 0.9  # one status request a second at most (arrival times jitter a little)
    # The simulated export ends `export_seconds` after it was asked for; the ETA from its progress
    # puts the last poll close behind that, instead of up to the 5 s backoff later.
    assert polls[-1] - (started.at + 6) < 1.5
    assert len(polls) <= 7
