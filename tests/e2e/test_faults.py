"""Server faults for every vendor, through the job engine over real sockets (vendor × fault).

Each job must end `done` with the file the server made (same SHA-256), or `failed` with a sentence
that says why, or `cancelled` — in bounded time, with no `.part` or half-written manifest left and,
where the vendor has a release call, the server-side export released even when the job did not end
`done`. The combinations that cannot apply are listed in NOT_APPLICABLE with the reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cli_helpers import FORMATS, SCRIPT, available_vendors, server_args, span_args
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
from vms_desk.sim.base import LoggedRequest
from vms_desk.sim.registry import RunningSim
from vms_desk.sim.vdg_sense import disk_root
from vms_desk.vendors.http_client import make_http_client

ATTEMPTS = 3
RETRY = RetryPolicy(attempts=ATTEMPTS, first_delay=0.02, max_delay=0.05)
POLL = PollPolicy(first=0.05, maximum=0.1)
CAMERAS = {
    Vendor.AXXON_ONE: "Server1/DeviceIpint.1/SourceEndpoint.video:0:0",
    Vendor.AXXON_PSIM: "1",
    Vendor.VDG_SENSE: "6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0001/D3A1B2C4-0000-4000-8000-000000000001",
    Vendor.EXACQ: "1001",
    Vendor.AXIS: "1",
}
# (path part, query part) of each vendor's status poll and file download, for fail_path/fail_query.
STATUS = {
    Vendor.AXXON_ONE: ("/status", ""),
    Vendor.AXXON_PSIM: ("/getarchivetaskstatus", ""),
    Vendor.VDG_SENSE: ("/command", "command=getExportVideoStatus"),
    Vendor.EXACQ: ("/v1/export.web", "export="),
}
DOWNLOAD = {
    Vendor.AXXON_ONE: ("/file", ""),
    Vendor.AXXON_PSIM: ("/download", ""),
    Vendor.EXACQ: ("/v1/export.web", "action=download"),
    Vendor.AXIS: ("/exportrecording.cgi", ""),
}


def _axxon_release(r: LoggedRequest) -> bool:
    return r.method == "DELETE" and r.path.startswith("/export/")


# The request that releases the server-side export. Axxon PSIM has none (its "Deleting archive" call
# is not public) and Axis keeps no export job (the device renders while the file is downloaded).
RELEASE: dict[Vendor, Callable[[LoggedRequest], bool]] = {
    Vendor.AXXON_ONE: _axxon_release,
    Vendor.EXACQ: lambda r: "action=finish" in r.query,
    Vendor.VDG_SENSE: lambda r: r.method == "DELETE" and "command=exportVideo" in r.query,
}
# The vendor's own words for its failed export (the simulators' failure texts).
VENDOR_WORDS = {
    Vendor.AXXON_ONE: "failed to read the archive",
    Vendor.AXXON_PSIM: "archive fragment could not be read",
    Vendor.VDG_SENSE: "recording could not be read from the storage",
    Vendor.EXACQ: "could not read video for the requested time",
    Vendor.AXIS: "answered error 10",
}
NO_HTTP_FILES = "VDG Sense sends no file over HTTP: the export is read from the mapped share"
NO_STATUS = "Axis has no status request: the device renders the file while it is downloaded"
NO_RELEASE_WHEN_DONE = "VDG Sense keeps its files on the server: nothing to release when done"
NOT_APPLICABLE = {
    ("drop", Vendor.VDG_SENSE): NO_HTTP_FILES,
    ("download-5xx-retried", Vendor.VDG_SENSE): NO_HTTP_FILES,
    ("download-5xx-gives-up", Vendor.VDG_SENSE): NO_HTTP_FILES,
    ("status-5xx-retried", Vendor.AXIS): NO_STATUS,
    ("status-5xx-gives-up", Vendor.AXIS): NO_STATUS,
    ("release-5xx", Vendor.AXXON_PSIM): "Axxon PSIM has no release call",
    ("release-5xx", Vendor.AXIS): "Axis keeps no export job to release",
    ("release-5xx", Vendor.VDG_SENSE): NO_RELEASE_WHEN_DONE,
}


@dataclass(frozen=True)
class Case:
    """One fault: how it ends, the words the failure must say, whether the export must be released."""

    end: JobState
    words: str = ""
    release: bool = True  # expect the release call (where the vendor has one) unless the job is done
    read_timeout: float = 5.0
    export_seconds: float = 0.2


CASES = {
    "drop": Case(JobState.DONE),
    "status-5xx-retried": Case(JobState.DONE),
    "status-5xx-gives-up": Case(JobState.FAILED, "HTTP 500"),
    "download-5xx-retried": Case(JobState.DONE),
    "download-5xx-gives-up": Case(JobState.FAILED, "HTTP 500"),
    "slow": Case(JobState.DONE),
    "too-slow": Case(JobState.FAILED, "did not answer in time", read_timeout=0.2),
    "export-fails": Case(JobState.FAILED),
    "session-expires": Case(JobState.DONE),
    "session-expires-downloading": Case(JobState.DONE),
    "release-5xx": Case(JobState.DONE),
    "server-vanishes": Case(JobState.FAILED, "cannot reach the server", release=False),
    "cancel": Case(JobState.CANCELLED, export_seconds=2.0),
}


def arm(
    case: str, vendor: Vendor, sim: RunningSim, engine: Engine, tasks: list[asyncio.Task[JobRecord]]
) -> Callable[[JobRecord], None]:
    """Switch the fault on now, or return a listener that switches it on at the right moment."""
    faults = sim.state.faults
    once: list[JobState] = []

    def at(state: JobState, action: Callable[[JobRecord], None]) -> Callable[[JobRecord], None]:
        def listener(record: JobRecord) -> None:
            if record.state is state and state not in once:
                once.append(state)  # once: a restarted export must not meet the fault again
                action(record)

        return listener

    def fail(where: tuple[str, str], count: int) -> Callable[[JobRecord], None]:
        return lambda _: faults.update(fail_next=count, fail_path=where[0], fail_query=where[1])

    table: dict[str, Callable[[], Callable[[JobRecord], None]]] = {
        "drop": lambda: (faults.update(drop_after=1000, drop_count=2), lambda _: None)[1],
        "status-5xx-retried": lambda: at(JobState.PROCESSING, fail(STATUS[vendor], ATTEMPTS - 1)),
        "status-5xx-gives-up": lambda: at(JobState.PROCESSING, fail(STATUS[vendor], ATTEMPTS)),
        "download-5xx-retried": lambda: at(JobState.DOWNLOADING, fail(DOWNLOAD[vendor], ATTEMPTS - 1)),
        "download-5xx-gives-up": lambda: at(JobState.DOWNLOADING, fail(DOWNLOAD[vendor], ATTEMPTS)),
        "slow": lambda: (faults.update(latency=0.05), lambda _: None)[1],
        "too-slow": lambda: at(JobState.PROCESSING, lambda _: faults.update(latency=0.5)),
        "export-fails": lambda: (faults.update(export_fails=1), lambda _: None)[1],
        "session-expires": lambda: at(JobState.PROCESSING, lambda _: faults.update(expire_sessions=True)),
        "session-expires-downloading": lambda: at(
            JobState.DOWNLOADING, lambda _: faults.update(expire_sessions=True)
        ),
        # At VERIFYING the next request is the release; nothing retries it, one failure is enough.
        "release-5xx": lambda: at(JobState.VERIFYING, fail(("", ""), 1)),
        # Stopped between two requests (the engine's connection is idle), so it is gone at once.
        "server-vanishes": lambda: at(JobState.PROCESSING, lambda _: sim.stop()),
        "cancel": lambda: at(
            JobState.PROCESSING,
            lambda r: tasks.append(asyncio.get_running_loop().create_task(engine.cancel(r.id))),
        ),
    }
    return table[case]()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Outcome:
    record: JobRecord
    events: list[str]
    requests: list[LoggedRequest]
    server_files: set[str]  # SHA-256 of every file the simulator held when the download was done
    seconds: float


async def run_job(vendor: Vendor, case: Case, name: str, sim: RunningSim, tmp_path: Path) -> Outcome:
    settings, options = {}, {}
    if vendor is Vendor.VDG_SENSE:
        share = disk_root(sim.state) / "D" / "Exports"
        share.mkdir(parents=True, exist_ok=True)
        settings = {"share_server_prefix": "D:\\Exports", "share_local_path": str(share)}
        options = {"path": "D:\\Exports\\case 1"}
    server = ServerConfig(vendor=vendor, url=sim.url, user="demo", settings=settings)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    request = ExportRequest(
        camera_id=CAMERAS[vendor],
        span=TimeSpan(start=end - timedelta(seconds=1), end=end),
        format=FORMATS[vendor],
        options=options,
    )
    timeout = httpx.Timeout(connect=2.0, read=case.read_timeout, write=2.0, pool=2.0)
    server_files: set[str] = set()
    async with make_http_client(timeout=timeout) as http:
        engine = make_engine(
            JobStore(tmp_path / "jobs.sqlite3"),
            http,
            fixed_credentials({server_key(server): "demo"}),
            retry=RETRY,
            poll=POLL,
        )

        def snapshot(record: JobRecord) -> None:
            if record.state is JobState.VERIFYING:  # every file is down, nothing released yet
                files = [p for p in sim.state.workdir.rglob("*") if p.is_file()]
                server_files.update(sha256(p) for p in files)

        engine.add_listener(snapshot)
        tasks: list[asyncio.Task[JobRecord]] = []
        engine.add_listener(arm(name, vendor, sim, engine, tasks))
        started = time.monotonic()
        job = await engine.submit(
            server, request, camera_name=None, out_dir=tmp_path / "out", case=None, operator="tester"
        )
        # Never a hang: every fault must end the job well within this bound.
        await asyncio.wait_for(engine.run_until_idle(), timeout=30)
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
        seconds = time.monotonic() - started
        record = engine.store.get(job.id)
        events = [e.detail for e in engine.store.events(job.id)]
    return Outcome(record, events, list(sim.state.requests), server_files, seconds)


def check_files(outcome: Outcome, out: Path) -> None:
    """Done: the server's own bytes, verified, with a manifest. Otherwise: nothing at all."""
    left = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in left if p.name.endswith(".part") or p.name.startswith(".manifest-")], left
    record = outcome.record
    if record.state is not JobState.DONE:
        assert left == [], left  # no file promoted, no manifest
        assert record.files == ()
        assert record.manifest is None
        return
    assert record.files
    assert record.evidence_dir is not None
    assert record.manifest is not None
    for entry in record.files:
        digest = sha256(record.evidence_dir / entry.name)
        assert digest == entry.sha256
        assert digest in outcome.server_files  # the very file the server made, not a wrong one
    assert record.manifest.is_file()
    assert verify(out).ok


def check_reason(outcome: Outcome, words: str) -> None:
    """A failed job says why in one plain sentence."""
    error = outcome.record.error
    assert error, outcome.events
    assert "\n" not in error, error
    assert "Traceback" not in error, error
    assert "Error(" not in error, error
    assert words.lower() in error.lower(), error


PARAMS = [
    pytest.param(vendor, name, id=f"{vendor.value}-{name}")
    for vendor in available_vendors()
    for name in CASES
    if (name, vendor) not in NOT_APPLICABLE
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("vendor", "name"), PARAMS)
async def test_fault(
    vendor: Vendor, name: str, sim_factory: Callable[..., RunningSim], tmp_path: Path
) -> None:
    case = CASES[name]
    sim = sim_factory(vendor, export_seconds=case.export_seconds)
    outcome = await run_job(vendor, case, name, sim, tmp_path)
    record = outcome.record

    assert record.state is case.end, (record.error, outcome.events)
    check_files(outcome, tmp_path / "out")
    if case.end is JobState.FAILED:
        check_reason(outcome, case.words or VENDOR_WORDS[vendor])
    released = [r for r in outcome.requests if vendor in RELEASE and RELEASE[vendor](r)]
    # VDG Sense checks that the id still names its export before removing it: that status request
    # cannot be answered by a server slower than the read timeout.
    vdg_too_slow = vendor is Vendor.VDG_SENSE and name == "too-slow"
    if vendor in RELEASE and case.release and record.state is not JobState.DONE and not vdg_too_slow:
        assert released, [f"{r.method} {r.path}?{r.query}" for r in outcome.requests[-6:]]
    if record.state is JobState.DONE and vendor is not Vendor.VDG_SENSE and vendor in RELEASE:
        assert released  # finished with: released after the files were verified
    if name == "release-5xx":
        assert any("could not be released on the server" in e for e in outcome.events), outcome.events
    if name.endswith("-retried") or name == "drop":
        assert any("(try 1 of 3;" in e for e in outcome.events), outcome.events  # retried with backoff
    if name.endswith("-gives-up"):
        # Bounded: exactly ATTEMPTS tries, then the last error.
        assert any("(try 2 of 3;" in e for e in outcome.events)
        assert not any("(try 3 of 3;" in e for e in outcome.events)
    if name == "session-expires" and vendor in (Vendor.VDG_SENSE, Vendor.EXACQ):
        # Their export ids die with the session: said, and the export started again once.
        assert any("starting it again" in e for e in outcome.events), outcome.events
    if name == "drop":
        downloads = [r for r in outcome.requests if DOWNLOAD[vendor][0] in r.path]
        downloads = [r for r in downloads if DOWNLOAD[vendor][1] in r.query]
        assert len(downloads) >= 3  # two dropped transfers, then the rest
    assert outcome.seconds < 20


def test_ctrl_c_in_the_cli_cancels_and_releases(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    """SIGINT while the server exports: the export is cancelled there, the job is `cancelled`."""
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=5.0)
    out = tmp_path / "ev"
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
    args = ["export", *server_args(Vendor.AXXON_ONE, sim.url), "--camera", CAMERAS[Vendor.AXXON_ONE]]
    args += [*span_args(1), "--format", "mp4", "--out", str(out)]
    env = {**os.environ, "VMS_DESK_HOME": str(cli_home), "PW": "demo"}
    with subprocess.Popen([*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as cli:
        deadline = time.monotonic() + 20
        while not sim.state.find("/status") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sim.state.find("/status"), "the export never started"
        cli.send_signal(signal.SIGINT)
        _, err = cli.communicate(timeout=20)
    assert cli.returncode == 130
    assert err.decode() == "error: Interrupted.\n"
    jobs = JobStore(cli_home / "jobs.sqlite3").jobs()
    assert [j.state for j in jobs] == [JobState.CANCELLED]
    assert [r for r in sim.state.requests if _axxon_release(r)]
    assert [p for p in out.rglob("*") if p.is_file()] == []
