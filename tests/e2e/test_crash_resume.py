"""Crash safety: `vms-desk export` killed (SIGKILL) while submitting, processing and downloading, and
`vms-desk resume` taking the job up each time, against each vendor's simulator over real sockets.

Where the server still holds the export it is polled again and the download continues with Range from
the `.part` on disk; where the export id died with the API session (exacqVision, VDG Sense) it is
started again and the job's events say so. At the end the file is the one the simulator served, the
manifest is complete, no `.part` is left and the SQLite store is intact.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cli_helpers import FORMATS, available_vendors, cli, first_camera, server_args, span_args
from crash_helpers import Job, Run, look, part_bytes, served_files, sha256

from vms_desk.core.models import Vendor
from vms_desk.jobs.download import BATCH_BYTES
from vms_desk.jobs.durable import DURABLE_SECONDS, Record, read_record, write_record
from vms_desk.jobs.records import JobEvent
from vms_desk.jobs.store import JobStore
from vms_desk.sim.registry import RunningSim

SPAN_SECONDS = 240  # ~1.8 MB of video: more than one download batch, so a `.part` has bytes to resume
THROTTLE = 640 * 1024  # bytes/s while a download is to be killed: the first batch lands after ~1.6 s
EXPORT_SECONDS = 3.0  # long enough to kill the job while the server is still processing
SUBMIT_LATENCY = 0.3  # every request waits this long, so the job stays `submitting` for a while
SESSION_RESTART = "session with it ended; starting the export again"


@dataclass(frozen=True)
class Case:
    """One vendor's crash chain: the phases to kill in, in order, and what the resume must show."""

    vendor: Vendor
    phases: tuple[str, ...]
    ranged: bool = False  # the download continues with Range (the export survives a killed client)
    session_bound: bool = False  # the export id dies with the API session: restarted, with an event
    extra: tuple[str, ...] = ()
    files_local: bool = True
    export_seconds: float = EXPORT_SECONDS
    span_seconds: int = SPAN_SECONDS


CASES = [
    Case(Vendor.AXXON_ONE, ("submitting", "processing", "downloading"), ranged=True),
    Case(Vendor.AXIS, ("submitting", "downloading"), ranged=True),
    # Every resume starts a new export here, so a shorter one keeps the test short.
    Case(Vendor.EXACQ, ("processing", "downloading"), session_bound=True, export_seconds=2.0),
    Case(Vendor.AXXON_PSIM, ("processing", "downloading"), ranged=True),
    Case(
        Vendor.VDG_SENSE,
        ("processing",),
        session_bound=True,
        extra=("--option", "path=D:\\Exports\\vms_desk"),
        files_local=False,  # without a share mapping the files stay on the server
        span_seconds=10,  # nothing is downloaded: a short clip will do
    ),
]


def _ready(phase: str) -> Callable[[Job], bool]:
    if phase == "downloading":
        return lambda job: job.state == "downloading" and part_bytes(job) > 0
    if phase == "processing":
        return lambda job: job.state == "processing" and job.handle is not None
    return lambda job: job.state == phase


def _arm(sim: RunningSim, phase: str) -> None:
    """Make the phase last long enough to be caught: slow requests, or a slow download."""
    sim.state.faults.update(
        latency=SUBMIT_LATENCY if phase == "submitting" else 0.0,
        throttle_bps=THROTTLE if phase == "downloading" else 0,
    )


def _store_is_intact(home: Path) -> None:
    conn = sqlite3.connect(home / "jobs.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.vendor in available_vendors()],
    ids=lambda c: c.vendor.value,
)
def test_killed_export_resumes_to_the_right_file(
    case: Case, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    assert BATCH_BYTES < 1_500_000, "the export must be longer than one download batch: raise SPAN_SECONDS"
    sim = sim_factory(case.vendor, export_seconds=case.export_seconds)
    server = server_args(case.vendor, sim.url)
    camera = first_camera(cli_home, case.vendor, sim.url)
    out = tmp_path / "evidence"
    export = (
        "export", *server, "--camera", camera, *span_args(case.span_seconds),
        "--format", FORMATS[case.vendor], *case.extra, "--out", str(out), "--json",
    )  # fmt: skip
    resume = ("resume", "--password-env", "PW", "--json")

    killed: dict[str, Job] = {}
    parts: list[int] = []
    with served_files(sim.state.workdir, tmp_path / "served") as served:
        for number, phase in enumerate(case.phases):
            _arm(sim, phase)
            run = Run(cli_home, *(export if number == 0 else resume))
            run.wait_for(cli_home, _ready(phase), f"a job {phase}")
            run.kill()
            job = look(cli_home)
            assert job is not None
            assert job.state == phase  # what the store says after the kill: nothing ran on
            killed[phase] = job
            if number == 0:
                # Seen at once (the dead PID), not after the 30 s lease.
                listed = json.loads(cli(cli_home, "jobs", "--json").stdout)
                assert [j["state"] for j in listed] == ["interrupted"]
            if phase == "downloading":
                parts.append(part_bytes(job))
        _arm(sim, "")
        logged_before_resume = len(sim.state.requests)
        result = Run(cli_home, *resume).finish()

    # The job ended done, with the simulator's own bytes.
    assert len(result) == 1
    job_json = result[0]
    assert (job_json["state"], job_json["error"]) == ("done", None), job_json
    served_hashes = {sha256(p) for p in served.rglob("*") if p.is_file()}
    if case.files_local:
        assert job_json["files"]
        for entry in job_json["files"]:
            path = Path(entry["path"])
            assert sha256(path) == entry["sha256"]
            assert entry["sha256"] in served_hashes  # byte for byte what the server made
    assert not list(out.rglob("*.part")), "a .part was left behind"

    # The manifest tells the whole story: each kill, each resume.
    manifest = json.loads(Path(job_json["manifest"]).read_text(encoding="utf-8"))
    assert [(f["name"], f["size"], f["sha256"]) for f in manifest["files"]] == [
        (Path(f["path"]).name, f["size"], f["sha256"]) for f in job_json["files"]
    ]
    events = manifest["events"]
    interrupted = [e["detail"] for e in events if e["detail"].startswith("vms_desk stopped while")]
    assert all(e["state"] == "interrupted" for e in events if e["detail"] in interrupted)
    assert len(interrupted) == len(case.phases), events
    for phase, detail in zip(case.phases, interrupted, strict=True):
        assert f"while the job was {phase}" in detail
    details = " | ".join(e["detail"] for e in events)
    if "submitting" in case.phases:
        assert "asking for the export again" in details
    if case.session_bound:
        assert details.count(SESSION_RESTART) == len(case.phases), details
    else:
        assert "Resuming: asking the server about the export again." in details

    logged = sim.state.requests
    if case.ranged and "downloading" in case.phases:
        # The download went on from the bytes on disk: Range from exactly the part's size.
        ranges = {r.headers.get("range") for r in logged[logged_before_resume:]}
        assert f"bytes={parts[-1]}-" in ranges, ranges
        assert f"Resuming {Path(job_json['files'][0]['path']).name} from byte {parts[-1]}" in details
    if case.vendor is Vendor.AXXON_ONE:
        # The export the killed process started is the one polled again, downloaded and released.
        handle = killed["processing"].handle
        assert handle is not None
        export_id = handle["export_ids"][0]
        assert manifest["vendor_export_id"] == export_id
        assert sim.state.find(f"/export/{export_id}", "DELETE")
    if case.session_bound and case.vendor is Vendor.EXACQ:
        assert any(r.params.get("action") == "finish" for r in logged)

    assert cli(cli_home, "verify", str(out)).returncode == 0
    _store_is_intact(cli_home)


@pytest.mark.parametrize("new_export", ["fails", "succeeds"])
def test_a_part_is_never_promoted_when_the_server_lost_the_export(
    new_export: str, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    vendor = Vendor.AXXON_ONE
    sim = sim_factory(vendor, export_seconds=0.3)
    server = server_args(vendor, sim.url)
    camera = first_camera(cli_home, vendor, sim.url)
    out = tmp_path / "evidence"
    _arm(sim, "downloading")
    run = Run(
        cli_home, "export", *server, "--camera", camera, *span_args(SPAN_SECONDS), "--format", "mp4",
        "--out", str(out), "--json",
    )  # fmt: skip
    job = run.wait_for(cli_home, _ready("downloading"), "a .part with bytes")
    run.kill()
    parts = list(out.rglob("*.part"))
    assert len(parts) == 1
    assert parts[0].stat().st_size > 0
    part_size = parts[0].stat().st_size

    # `verify` looks at manifests only: a killed download is not evidence, and it is left alone.
    checked = cli(cli_home, "verify", str(out))
    assert checked.returncode == 1
    assert "No manifest.json" in checked.stderr
    assert list(out.rglob("*.part")) == parts
    assert parts[0].stat().st_size == part_size

    # Meanwhile the server forgot the export (released by someone, or its storage was cleaned).
    assert job.handle is not None
    export_id = job.handle["export_ids"][0]
    deleted = httpx.delete(f"{sim.url}/export/{export_id}", auth=("demo", "demo"))
    assert deleted.status_code == 204
    sim.state.faults.update(throttle_bps=0, export_fails=1 if new_export == "fails" else 0)
    if new_export == "succeeds":
        # Resumed without the password: the login fails, and the job waits, its part untouched.
        early = Run(cli_home, "resume", "--json")
        assert early.proc.wait(timeout=30) == 1
        assert json.loads(early.out.read_text())[0]["state"] == "interrupted"
        assert "stays interrupted" in early.err.read_text()
        assert list(out.rglob("*.part")) == parts
        assert parts[0].stat().st_size == part_size
    logged = len(sim.state.requests)
    resumed = Run(cli_home, "resume", "--password-env", "PW", "--json")
    code = resumed.proc.wait(timeout=30)
    result = json.loads(resumed.out.read_text())[0]
    events = " | ".join(e.detail for e in _events(cli_home, result["job_id"]))

    assert "The server forgot the export" in events
    assert "starting it again" in events
    # The old part never became a file: it was deleted before the export was asked for again.
    assert not list(out.rglob("*.part"))
    assert all("range" not in r.headers for r in sim.state.requests[logged:])
    if new_export == "fails":
        assert code == 1
        assert result["state"] == "failed"
        assert "failed to read the archive" in result["error"]  # the server's own reason
        assert resumed.err.read_text().startswith("error: ")
        assert not [p for p in out.rglob("*") if p.is_file()]  # nothing that could pass as evidence
    else:
        assert code == 0, resumed.output()
        assert result["state"] == "done"
        assert [Path(f["path"]).stat().st_size for f in result["files"]] == [
            f["size"] for f in result["files"]
        ]
        assert cli(cli_home, "verify", str(out)).returncode == 0
    _store_is_intact(cli_home)


def _events(home: Path, job_id: str) -> list[JobEvent]:
    return JobStore(home / "jobs.sqlite3").events(job_id)


def test_after_a_power_cut_the_resume_keeps_only_what_reached_the_disk(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    """A kill leaves the OS's cache intact; a power cut does not. Here the kill is followed by what a
    power cut does to the `.part`: the bytes after its last flush come back as zeros (the size even
    grew), and the OS booted again. The resume must keep only the flushed bytes."""
    vendor = Vendor.AXXON_ONE
    sim = sim_factory(vendor, export_seconds=0.3)
    out = tmp_path / "evidence"
    # ~1.8 MB at this rate takes ~5.6 s: the part is flushed (every DURABLE_SECONDS) long before the end.
    assert DURABLE_SECONDS <= 2.5
    sim.state.faults.update(throttle_bps=THROTTLE // 2)
    camera = first_camera(cli_home, vendor, sim.url)

    def flushed(job: Job) -> bool:
        parts = list(job.evidence_dir.glob("*.part")) if job.evidence_dir else []
        record = read_record(parts[0]) if parts else None
        return job.state == "downloading" and record is not None and record.size > 0

    with served_files(sim.state.workdir, tmp_path / "served") as served:
        run = Run(
            cli_home, "export", *server_args(vendor, sim.url), "--camera", camera,
            *span_args(SPAN_SECONDS), "--format", "mp4", "--out", str(out), "--json",
        )  # fmt: skip
        job = run.wait_for(cli_home, flushed, "a .part flushed to the disk", timeout=20)
        run.kill()
        [part] = list(out.rglob("*.part"))
        record = read_record(part)
        assert record is not None
        with part.open("r+b") as handle:  # the power cut: what was not flushed is lost, the size is not
            handle.seek(record.size)
            handle.write(bytes(part.stat().st_size - record.size + 100_000))
        write_record(part, Record(record.size, record.sha256, "linux:the-boot-before-the-power-cut"))

        sim.state.faults.update(throttle_bps=0)
        logged = len(sim.state.requests)
        [result] = Run(cli_home, "resume", "--password-env", "PW", "--json").finish()

    assert result["state"] == "done", result
    [entry] = result["files"]
    assert sha256(Path(entry["path"])) == entry["sha256"]
    assert entry["sha256"] in {sha256(p) for p in served.rglob("*") if p.is_file()}
    assert f"bytes={record.size}-" in {r.headers.get("range") for r in sim.state.requests[logged:]}
    details = " | ".join(e.detail for e in _events(cli_home, job.id))
    assert "The computer restarted since the partial file was written" in details
    assert f"Resuming {Path(entry['path']).name} from byte {record.size}" in details
    assert not [p for p in out.rglob("*") if p.name.endswith((".part", ".durable", ".tmp"))]
    assert cli(cli_home, "verify", str(out)).returncode == 0
