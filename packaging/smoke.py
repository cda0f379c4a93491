"""The frozen app's smoke test: it starts, every vendor is in it, an export ends done, the GUI shows.

Every step runs the built programs (never the source tree) with a throw-away VMS_DESK_HOME, and fails
with one sentence naming the step.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from first_window import close, time_to_first_window

from vms_desk import __version__
from vms_desk.core.models import Vendor

EXE = ".exe" if sys.platform == "win32" else ""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STEP_TIMEOUT = 180.0


class SmokeFailed(RuntimeError):
    """A smoke step failed; the message says which and why."""


@dataclass
class SmokeResult:
    """What the smoke test measured."""

    version_text: str
    first_window_s: float


class Frozen:
    """The built bundle's two programs, run with a private VMS_DESK_HOME."""

    def __init__(self, bundle: Path, home: Path) -> None:
        self.cli = bundle / f"vms-desk{EXE}"
        self.gui = bundle / f"vms_desk{EXE}"
        self.env = {**os.environ, "VMS_DESK_HOME": str(home), "SMOKE_PW": "demo", "LANG": "C.UTF-8"}
        for program in (self.cli, self.gui):
            if not program.is_file():
                raise SmokeFailed(f"{program} is missing from the bundle.")

    def run(self, step: str, *args: str, program: Path | None = None) -> str:
        """Run one command to its end; its stdout, or SmokeFailed naming the step."""
        try:
            done = subprocess.run(  # noqa: S603 - our own frozen program
                [str(program or self.cli), *args],
                capture_output=True,
                text=True,
                env=self.env,
                timeout=STEP_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SmokeFailed(f"{step}: no answer within {STEP_TIMEOUT:.0f} s.") from exc
        if done.returncode != 0:
            raise SmokeFailed(f"{step}: exit {done.returncode}: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def start_sim(self, vendor: Vendor) -> tuple[subprocess.Popen[str], str]:
        """A frozen simulator serving on a free port, and its URL."""
        process = subprocess.Popen(  # noqa: S603 - our own frozen program
            [str(self.cli), "sim", vendor.value, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        assert process.stdout is not None
        first = process.stdout.readline().strip()  # the contract: "listening on URL" comes first
        if not first.startswith("listening on http://"):
            process.kill()
            _, stderr = process.communicate(timeout=30)
            raise SmokeFailed(f"sim {vendor.value}: printed {first!r} instead of serving: {stderr.strip()}")
        return process, first.removeprefix("listening on ")


def check_version(app: Frozen, *, want_libvlc: bool) -> str:
    """`vms-desk --version` names this version and every vendor (so every client is in the bundle)."""
    text = app.run("--version", "--version")
    lines = text.splitlines()
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    if not lines or lines[0] != f"vms_desk {__version__}":
        raise SmokeFailed(f"--version: the first line is not `vms_desk {__version__}`: {text!r}")
    missing = sorted({v.value for v in Vendor} - set(fields.get("vendor_protocols", "").split()))
    if missing:
        raise SmokeFailed(f"--version: the frozen app cannot load the vendor clients {', '.join(missing)}.")
    if want_libvlc and fields.get("libvlc") == "not found":
        raise SmokeFailed("--version: the bundled libVLC does not load.")
    return text


def check_simulators(app: Frozen) -> None:
    """Every vendor's simulator starts from the bundle and serves."""
    for vendor in Vendor:
        process, _ = app.start_sim(vendor)
        process.terminate()
        process.communicate(timeout=30)


def check_export(app: Frozen, work: Path) -> None:
    """An Axis export from the frozen simulator ends done and its folder verifies."""
    process, url = app.start_sim(Vendor.AXIS)
    try:
        server = ["--vendor", "axis", "--url", url, "--user", "demo", "--password-env", "SMOKE_PW"]
        cameras = json.loads(app.run("cameras", "cameras", *server, "--json"))
        end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        span = ["--start", f"{(end - timedelta(seconds=2)).isoformat()}", "--end", end.isoformat()]
        out = work / "evidence"
        args = ["--camera", cameras[0]["id"], *span, "--format", "mkv", "--out", str(out), "--json"]
        job = json.loads(app.run("export", "export", *server, *args))
        if job.get("state") != "done" or not job.get("files"):
            raise SmokeFailed(f"export: ended {job.get('state')}: {job.get('error')}")
        app.run("verify", "verify", str(out))
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _engine_submit(app: Frozen, url: str, out_dir: Path, seconds: int) -> dict[str, object]:
    """The window's submit request for `seconds` of the Axis simulator's first camera."""
    server = {"vendor": "axis", "url": url, "user": "demo"}
    args = ["--vendor", "axis", "--url", url, "--user", "demo", "--password-env", "SMOKE_PW", "--json"]
    camera = json.loads(app.run("cameras", "cameras", *args))[0]["id"]
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    span = {"start": (end - timedelta(seconds=seconds)).isoformat(), "end": end.isoformat()}
    return {
        "id": 1,
        "op": "submit",
        "server": server,
        "request": {"camera_id": camera, "span": span, "format": "mkv", "options": {}},
        "out_dir": str(out_dir),
        "operator": "smoke",
        "passwords": [[server, "demo"]],
    }


@contextmanager
def _engine_exporting(app: Frozen, out_dir: Path, seconds: int) -> Iterator[subprocess.Popen[bytes]]:
    """The frozen engine process, started as the window starts it, asked for an export of `seconds`
    from a frozen Axis simulator; killed if the step outlasts STEP_TIMEOUT, and the simulator ended."""
    sim, url = app.start_sim(Vendor.AXIS)
    try:
        submit = _engine_submit(app, url, out_dir, seconds)
        engine = subprocess.Popen(  # noqa: S603 - our own frozen program
            [str(app.cli), "engine-service", "--home", app.env["VMS_DESK_HOME"]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=app.env,
        )
        watchdog = threading.Timer(STEP_TIMEOUT, engine.kill)
        watchdog.start()
        try:
            assert engine.stdin is not None
            engine.stdin.write(json.dumps(submit).encode() + b"\n")
            engine.stdin.flush()
            yield engine
        finally:
            watchdog.cancel()
    finally:
        sim.terminate()
        sim.communicate(timeout=30)


def check_engine_process(app: Frozen, work: Path) -> None:
    """The window's engine process, started as the window starts it (the console program with
    `engine-service`, workstation.engine_process), runs an Axis export sent over its pipes to done, and
    ends when told to stop."""
    with _engine_exporting(app, work / "engine-evidence", 2) as engine:
        assert engine.stdin is not None
        assert engine.stdout is not None
        state = ""
        for line in engine.stdout:
            message = json.loads(line)
            if message.get("reply") == 1 and "error" in message:
                raise SmokeFailed(f"engine process: the export was refused: {message['error']}")
            if message.get("event") == "record":
                state = message["record"]["state"]
                if state in ("done", "failed", "cancelled"):
                    break
        if state != "done":
            raise SmokeFailed(f"engine process: the export ended {state or 'without a word'}.")
        engine.stdin.write(b'{"id": 2, "op": "stop"}\n')
        engine.stdin.flush()
        engine.stdin.close()
        code = engine.wait(timeout=STEP_TIMEOUT)
        if code != 0:
            raise SmokeFailed(f"engine process: exit {code}: {engine.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]


def check_engine_kept_running(app: Frozen, work: Path) -> None:
    """The window's choice "Keep running" on closing: the frozen engine process is told `detach`, its
    pipes are closed as a closing window closes them, and it finishes the export alone, then ends by
    itself with 0; the job is done and the audit log says `kept running`, then `finished`."""
    # A minute of video: the export is still running when the window lets go of it.
    with _engine_exporting(app, work / "kept-evidence", 60) as engine:
        assert engine.stdin is not None
        assert engine.stdout is not None
        assert engine.stderr is not None
        job_id = ""
        for line in engine.stdout:
            message = json.loads(line)
            if message.get("reply") == 1:
                if "error" in message:
                    raise SmokeFailed(f"kept running: the export was refused: {message['error']}")
                job_id = message["ok"]["id"]
                break
        engine.stdin.write(b'{"id": 2, "op": "detach", "operator": "smoke"}\n')
        engine.stdin.flush()
        for line in engine.stdout:
            if json.loads(line).get("reply") == 2:
                break
        for pipe in (engine.stdin, engine.stdout, engine.stderr):
            pipe.close()  # the window is gone: the pipes have no one at the other end
        code = engine.wait(timeout=STEP_TIMEOUT)
        if code != 0:
            raise SmokeFailed(f"kept running: the engine process ended with {code}.")
        jobs = {job["id"]: job for job in json.loads(app.run("jobs", "jobs", "--json"))}
        if jobs.get(job_id, {}).get("state") != "done":
            raise SmokeFailed(f"kept running: the export ended {jobs.get(job_id, {}).get('state')}.")
        entries = json.loads(app.run("audit", "audit", "--json"))
        said = [e["outcome"] for e in entries if e.get("action") == "engine"]
        if said[-2:] != ["kept running", "finished"]:
            raise SmokeFailed(f"kept running: the audit log says {said} of the engine process.")


def check_team_store(app: Frozen) -> None:
    """The PostgreSQL driver (psycopg with its bundled libpq) is in the bundle: a team store that is not
    there is said in words, not an import error; `store roles` prints its shipped SQL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    url = f"postgresql://smoke@127.0.0.1:{port}/vmsdesk?connect_timeout=3"
    done = subprocess.run(  # noqa: S603 - our own frozen program
        [str(app.cli), "jobs"],
        capture_output=True,
        text=True,
        env={**app.env, "VMS_DESK_STORE_URL": url},
        timeout=STEP_TIMEOUT,
        check=False,
    )
    if done.returncode != 1 or "is unreachable (" not in done.stderr:
        raise SmokeFailed(
            f"team store: expected the unreachable sentence, got exit {done.returncode}: "
            f"{done.stderr[-2000:]}"
        )
    if "CREATE ROLE" not in app.run("store roles", "store", "roles"):
        raise SmokeFailed("store roles: the shipped roles.sql is missing from the bundle.")


def check_gui(app: Frozen, work: Path) -> float:
    """The window's cold start, then `gui --demo --screenshot` writes a PNG."""
    seconds, running = time_to_first_window([str(app.gui), "gui"], app.env)
    close(running)
    shot = work / "smoke.png"
    app.run("gui --demo --screenshot", "gui", "--demo", "--screenshot", str(shot), program=app.gui)
    if not shot.is_file() or not shot.read_bytes().startswith(PNG_MAGIC):
        raise SmokeFailed(f"gui --demo --screenshot: {shot} is not a PNG.")
    return seconds


def smoke(bundle: Path, *, want_libvlc: bool) -> SmokeResult:
    """Run every step against the bundle in `bundle`."""
    with tempfile.TemporaryDirectory(prefix="vms_desk-smoke-") as scratch:
        work = Path(scratch)
        app = Frozen(bundle, work / "home")
        version_text = check_version(app, want_libvlc=want_libvlc)
        print("smoke: --version ok", flush=True)
        check_simulators(app)
        print(f"smoke: {len(Vendor)} simulators serve", flush=True)
        check_export(app, work)
        print("smoke: axis export done and verified", flush=True)
        check_engine_process(app, work)
        print("smoke: the window's engine process exported over its pipes", flush=True)
        check_engine_kept_running(app, work)
        print("smoke: an export kept running after its window closed ended done", flush=True)
        check_team_store(app)
        print("smoke: the PostgreSQL driver loads; store roles prints its SQL", flush=True)
        seconds = check_gui(app, work)
        print("smoke: window shown; demo screenshot written", flush=True)
        return SmokeResult(version_text, seconds)
